// The spool writer: recovers the segments at start, then appends batches of
// frames with one fdatasync per batch (group commit), writes the delivered
// checkpoint and deletes delivered segments. It runs on a thread of its own
// (workers/spool-writer.ts): synchronous file calls are the point, they
// block that thread, never the main thread.
import fs from 'node:fs';
import { sealFrames } from './frame';
import type { FromWriter, SpoolWriterData, ToWriter } from './messages';
import { listSegments, type Checkpoint, readCheckpoint, recoverSegment, segmentFile, syncDirectory, writeCheckpoint, type SegmentInfo } from './segments';

interface OpenSegment { id: number; fd: number; size: number }

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
}

export class SpoolWriter {
  readonly #dir: string;
  readonly #segmentBytes: number;
  readonly #post: (message: FromWriter, transfer?: ArrayBuffer[]) => void;
  /** The segment being appended to; null until the first append (and after a
   * failed one, so that a write that may have left damage is never appended to). */
  #current: OpenSegment | null = null;
  #nextId = 1;

  /** `post` sends a message to the journal, transferring `transfer`. */
  constructor(data: SpoolWriterData, post: (message: FromWriter, transfer?: ArrayBuffer[]) => void) {
    this.#dir = data.dir;
    this.#segmentBytes = data.segmentBytes;
    this.#post = post;
  }

  handle(message: ToWriter): void {
    switch (message.type) {
      case 'append': return this.#append(message.batch, message.data, message.bytes);
      case 'checkpoint': return this.#checkpoint(message);
      case 'close':
        if (this.#current !== null) fs.closeSync(this.#current.fd);
        this.#current = null;
        this.#post({ type: 'closed' });
        return;
    }
  }

  recover(): void {
    let segments: SegmentInfo[];
    let checkpoint: Checkpoint | null;
    try {
      fs.mkdirSync(this.#dir, { recursive: true });
      fs.accessSync(this.#dir, fs.constants.W_OK);
      checkpoint = readCheckpoint(this.#dir);
      const ids = listSegments(this.#dir);
      this.#nextId = (ids.at(-1) ?? 0) + 1;
      // Segments wholly before the checkpoint were delivered; a crash between
      // checkpoint and deletion left them behind.
      const delivered = ids.filter((id) => checkpoint !== null && id < checkpoint.segment);
      for (const id of delivered) fs.unlinkSync(segmentFile(this.#dir, id));
      if (delivered.length > 0) syncDirectory(this.#dir);
      segments = ids.filter((id) => !delivered.includes(id))
        .map((id) => recoverSegment(this.#dir, id, checkpoint !== null && id === checkpoint.segment ? checkpoint.offset : 0));
    } catch (err) {
      this.#post({ type: 'unusable', code: errorCode(err), message: (err as Error).message });
      return;
    }
    this.#post({ type: 'recovered', segments, checkpoint });
  }

  #segmentFor(bytes: number): OpenSegment {
    if (this.#current !== null && (this.#current.size === 0 || this.#current.size + bytes <= this.#segmentBytes)) return this.#current;
    if (this.#current !== null) fs.closeSync(this.#current.fd);
    this.#current = null;
    const id = this.#nextId;
    const file = segmentFile(this.#dir, id);
    const fd = fs.openSync(file, 'wx');
    this.#nextId++;
    try {
      syncDirectory(this.#dir);
    } catch (err) {
      // Its directory entry may not survive a crash: never append to it (an
      // empty segment left behind is harmless at start-up).
      fs.closeSync(fd);
      try {
        fs.unlinkSync(file);
      } catch {
        // The disk refuses: the empty file stays.
      }
      throw err;
    }
    this.#current = { id, fd, size: 0 };
    return this.#current;
  }

  #append(batch: number, data: ArrayBuffer, bytes: number): void {
    const frames = Buffer.from(data, 0, bytes);
    sealFrames(frames);
    let segment: OpenSegment | null = null;
    try {
      segment = this.#segmentFor(bytes);
      const started = process.hrtime.bigint();
      let written = 0;
      while (written < bytes) {
        written += fs.writeSync(segment.fd, frames, written, bytes - written, segment.size + written);
      }
      fs.fdatasyncSync(segment.fd);
      const start = segment.size;
      segment.size += bytes;
      // The buffer goes back rather than waiting for this thread's garbage
      // collector, which, allocating little, would let 1 MiB batches pile up.
      this.#post({ type: 'appended', batch, segment: segment.id, start, end: segment.size, syncSeconds: Number(process.hrtime.bigint() - started) / 1e9, data }, [data]);
    } catch (err) {
      this.#abandonSegment(segment);
      this.#post({ type: 'append-failed', batch, code: errorCode(err), message: (err as Error).message, data }, [data]);
    }
  }

  /** After a failed write or sync the file's tail is unknown: cut it back to
   * the last synced byte. If the disk refuses even that, the segment is closed
   * and never appended to again (start-up recovery cuts such a tail off by its
   * checksums). */
  #abandonSegment(segment: OpenSegment | null): void {
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
    if (this.#current === segment) this.#current = null;
  }

  #checkpoint(message: Extract<ToWriter, { type: 'checkpoint' }>): void {
    try {
      writeCheckpoint(this.#dir, message.checkpoint);
      const deleted: number[] = [];
      for (const id of listSegments(this.#dir)) {
        if (id >= message.deleteBefore || id === this.#current?.id) continue;
        fs.unlinkSync(segmentFile(this.#dir, id));
        deleted.push(id);
      }
      if (deleted.length > 0) syncDirectory(this.#dir);
      this.#post({ type: 'checkpointed', checkpoint: message.checkpoint, deleted });
    } catch (err) {
      this.#post({ type: 'checkpoint-failed', code: errorCode(err), message: (err as Error).message });
    }
  }
}
