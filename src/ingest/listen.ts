// Binding a uWebSockets.js app to an address, for both listeners.
//
// uSockets sets SO_REUSEPORT on every listen socket unless told
// LIBUS_LISTEN_EXCLUSIVE_PORT: a second daemon started by mistake on a busy
// port would start without complaint and take a share of the first one's
// connections (issue 12). So a listen is exclusive unless the operator asked
// to share the port (ingest.reusePort), and a busy port is a ListenError.
// Both builds take `listen(host, port, options, cb)`: seen here for
// @trufflesuite v20.30 (a second exclusive listen on a port fails, an
// exclusive listen on a port held with SO_REUSEPORT fails too); upstream
// v20.57's index.d.ts lists `ListenOptions` with the same values.
import type { TemplatedApp, us_listen_socket } from './uws';

/** uSockets' LIBUS_LISTEN_DEFAULT / LIBUS_LISTEN_EXCLUSIVE_PORT. */
const LIBUS_LISTEN_DEFAULT = 0;
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

type ListenWithOptions = (host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void) => unknown;

export class ListenError extends Error {
  constructor(readonly address: string, readonly shared: boolean) {
    super(`cannot listen on ${address}: address in use${shared ? ' by a process that does not share it (ingest.reusePort)' : ' (another process holds it; set ingest.reusePort on every instance to share the ingest port on purpose)'}, or not permitted`);
    this.name = 'ListenError';
  }
}

/** shared = SO_REUSEPORT: instances that all ask for it share the port. */
export function listenOn(app: TemplatedApp, host: string, port: number, shared = false): Promise<us_listen_socket> {
  return new Promise((resolve, reject) => {
    const listen = app.listen as unknown as ListenWithOptions;
    listen.call(app, host, port, shared ? LIBUS_LISTEN_DEFAULT : LIBUS_LISTEN_EXCLUSIVE_PORT, (socket) => {
      if (socket) resolve(socket);
      else reject(new ListenError(`${host}:${port}`, shared));
    });
  });
}
