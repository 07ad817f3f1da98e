// Binding a uWebSockets.js app to an address, for both listeners.
import type { TemplatedApp, us_listen_socket } from './uws';

export function listenOn(app: TemplatedApp, host: string, port: number): Promise<us_listen_socket> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error(`cannot listen on ${host}:${port} (address in use or not permitted)`));
    });
  });
}
