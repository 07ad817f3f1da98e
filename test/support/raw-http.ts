// HTTP over a bare socket, for requests fetch() will not send (a lying
// Content-Length, no length at all, a body trickled byte by byte).
import net from 'node:net';

export interface RawReply {
  status: number;
  head: string;
  body: string;
}

/** Sends `head` (request line + headers, no trailing blank line) and then each
 * body part after `gapMs`; resolves with the first response. */
export function rawRequest(url: string, head: string, parts: string[] = [], gapMs = 0): Promise<RawReply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let data = '';
    let timer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response within 60 s; got ${JSON.stringify(data)}`));
    }, 60_000);
    const finish = (): void => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (!match) return;
      const split = data.indexOf('\r\n\r\n');
      if (split < 0) return;
      const headText = data.slice(0, split);
      const length = /content-length: (\d+)/i.exec(headText);
      const body = data.slice(split + 4);
      if (length && body.length < Number(length[1])) return;
      clearTimeout(deadline);
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: Number(match[1]), head: headText, body });
    };
    socket.on('data', (chunk) => {
      data += chunk.toString();
      finish();
    });
    // A write error (EPIPE: the server answered and closed while the body was
    // still being sent) may come before the answer is read: decide at close,
    // once everything the server sent has arrived.
    let writeError: Error | undefined;
    socket.on('error', (err) => {
      writeError = err;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (/^HTTP/.test(data)) return finish();
      clearTimeout(deadline);
      reject(writeError ?? new Error('connection closed without a response'));
    });
    socket.on('connect', () => {
      socket.write(head + '\r\n\r\n');
      let i = 0;
      const next = (): void => {
        // Once the answer has begun, a write can only race the server's close.
        if (i >= parts.length || socket.destroyed || data !== '') return;
        socket.write(parts[i++]!);
        timer = setTimeout(next, gapMs);
      };
      next();
    });
  });
}
