// The spool writer thread: recovers the segments at start, then appends
// batches of frames with one fdatasync per batch (group commit), writes the
// delivered checkpoint and deletes delivered segments. Synchronous file calls
// are the point of this thread: they block it, never the main thread.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { sealFrames } from '../src/spool/frame';
import type { FromWriter, SpoolWriterData, ToWriter } from '../src/spool/protocol';
import { listSegments, type Checkpoint, readCheckpoint, recoverSegment, segmentFile, syncDirectory, writeCheckpoint, type SegmentInfo } from '../src/spool/segments';

const { dir, segmentBytes } = workerData as SpoolWriterData;
const port = parentPort!;

function post(message: FromWriter): void {
  port.postMessage(message);
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
}

/** The segment being appended to; null until the first append (and after a
 * failed one, so that a write that may have left damage is never appended to). */
let current: { id: number; fd: number; size: number } | null = null;
let nextId = 1;

function recover(): void {
  let segments: SegmentInfo[];
  let checkpoint: Checkpoint | null;
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    checkpoint = readCheckpoint(dir);
    const ids = listSegments(dir);
    nextId = (ids.at(-1) ?? 0) + 1;
    // Segments wholly before the checkpoint were delivered; a crash between
    // checkpoint and deletion left them behind.
    const delivered = ids.filter((id) => checkpoint !== null && id < checkpoint.segment);
    for (const id of delivered) fs.unlinkSync(segmentFile(dir, id));
    if (delivered.length > 0) syncDirectory(dir);
    segments = ids.filter((id) => !delivered.includes(id))
      .map((id) => recoverSegment(dir, id, checkpoint !== null && id === checkpoint.segment ? checkpoint.offset : 0));
  } catch (err) {
    post({ type: 'unusable', code: errorCode(err), message: (err as Error).message });
    return;
  }
  post({ type: 'recovered', segments, checkpoint });
}

function segmentFor(bytes: number): { id: number; fd: number; size: number } {
  if (current !== null && (current.size === 0 || current.size + bytes <= segmentBytes)) return current;
  if (current !== null) fs.closeSync(current.fd);
  current = null;
  const id = nextId++;
  const fd = fs.openSync(segmentFile(dir, id), 'wx');
  current = { id, fd, size: 0 };
  syncDirectory(dir);
  return current;
}

function append(batch: number, data: ArrayBuffer, bytes: number): void {
  const frames = Buffer.from(data, 0, bytes);
  sealFrames(frames);
  let segment: { id: number; fd: number; size: number } | null = null;
  try {
    segment = segmentFor(bytes);
    const started = process.hrtime.bigint();
    let written = 0;
    while (written < bytes) {
      written += fs.writeSync(segment.fd, frames, written, bytes - written, segment.size + written);
    }
    fs.fdatasyncSync(segment.fd);
    const start = segment.size;
    segment.size += bytes;
    post({ type: 'appended', batch, segment: segment.id, start, end: segment.size, syncSeconds: Number(process.hrtime.bigint() - started) / 1e9 });
  } catch (err) {
    abandonSegment(segment);
    post({ type: 'append-failed', batch, code: errorCode(err), message: (err as Error).message });
  }
}

/** After a failed write or sync the file's tail is unknown: cut it back to
 * the last synced byte. If the disk refuses even that, the segment is closed
 * and never appended to again (start-up recovery cuts such a tail off by its
 * checksums). */
function abandonSegment(segment: { id: number; fd: number; size: number } | null): void {
  if (segment === null) return;
  try {
    fs.ftruncateSync(segment.fd, segment.size);
    fs.fdatasyncSync(segment.fd);
    return;
  } catch {
    // Falls through to closing it.
  }
  try {
    fs.closeSync(segment.fd);
  } catch {
    // The descriptor is gone either way.
  }
  if (current === segment) current = null;
}

function checkpoint(message: Extract<ToWriter, { type: 'checkpoint' }>): void {
  try {
    writeCheckpoint(dir, message.checkpoint);
    const deleted: number[] = [];
    for (const id of listSegments(dir)) {
      if (id >= message.deleteBefore || id === current?.id) continue;
      fs.unlinkSync(segmentFile(dir, id));
      deleted.push(id);
    }
    if (deleted.length > 0) syncDirectory(dir);
    post({ type: 'checkpointed', checkpoint: message.checkpoint, deleted });
  } catch (err) {
    post({ type: 'checkpoint-failed', code: errorCode(err), message: (err as Error).message });
  }
}

port.on('message', (message: ToWriter) => {
  switch (message.type) {
    case 'append': return append(message.batch, message.data, message.bytes);
    case 'checkpoint': return checkpoint(message);
    case 'close':
      if (current !== null) fs.closeSync(current.fd);
      current = null;
      post({ type: 'closed' });
      return;
  }
});

recover();
