// Spool writer thread entry point: the writer (src/spool/writer.ts) on the
// port the journal (src/spool/journal.ts) talks to.
import { parentPort, workerData } from 'node:worker_threads';
import type { SpoolWriterData, ToWriter } from '../src/spool/messages';
import { SpoolWriter } from '../src/spool/writer';

const port = parentPort!;
const writer = new SpoolWriter(workerData as SpoolWriterData, (message, transfer) => port.postMessage(message, transfer));
port.on('message', (message: ToWriter) => writer.handle(message));
writer.recover();
