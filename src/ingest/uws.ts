// Loads uWebSockets.js and refuses its silent pure-JS fallback (SPEC §2): the
// native module exports SSLApp and getParts, the fallback does not.
import type * as UWS from 'uWebSockets.js';

export type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';

export class NativeServerMissingError extends Error {
  readonly code = 'ERR_UWS_NOT_NATIVE';
}

export function loadNativeUws(): typeof UWS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const uws = require('uWebSockets.js') as typeof UWS;
  if (typeof uws.SSLApp !== 'function' || typeof uws.getParts !== 'function') {
    throw new NativeServerMissingError(
      `uWebSockets.js native binary did not load for Node ${process.version} (ABI ${process.versions.modules}); ` +
      'it ships binaries for Node 16, 18 and 20 only. Refusing to run on its slow fallback.',
    );
  }
  return uws;
}
