// The idempotency window of spool mode, kept in the spool directory so that it
// survives a restart. Two places hold a key's success on disk:
//
// - the spool frame of its request's last message (src/spool/frame.ts, the
//   tag): written in the same fdatasync as the records, before the answer, so
//   a request whose records are on disk has its key on disk too, whether or
//   not it was answered before a crash;
// - this log, `dedup.log`: one JSON line per success, appended and synced
//   after the answer, so a key outlives the deletion of its delivered
//   segment. A checkpoint that deletes segments waits for this log's sync
//   (SpoolJournal.beforeCheckpoint), so no tag is deleted before its line is
//   on disk.
//
// At start the log and the tags of the segments still on disk are read into
// the window, and the log is rewritten with what is still within the window.
// A torn last line (a crash mid-append) is ignored. Async file calls: this
// runs on the main thread. The file is opened for each write and closed after
// its sync, never held: a spool filesystem that failed can then be unmounted,
// checked and mounted again under the running daemon (docs/spool.md).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { decodeTag, type KeyRecord } from '../dedup/tag';
import type { DedupWindow, Remembered } from '../dedup/window';
import { checkFrame, nextMarker, readFrame } from './frame';
import { segmentFile } from './segments';

const LOG_FILE = 'dedup.log';
/** The log is rewritten with the live keys when it has this many more lines than the window holds keys. */
const COMPACT_SLACK_LINES = 10_000;

interface Line {
  readonly key: string;
  readonly remembered: Remembered;
  readonly atMs: number;
}

export class DedupLog {
  readonly #dir: string;
  readonly #window: DedupWindow;
  readonly #log: Logger;
  #closed = false;
  #lines = 0;
  #pending: string[] = [];
  /** The chain of writes: each append (and compaction) after the previous. */
  #synced: Promise<void> = Promise.resolve();
  #failed = false;

  private constructor(dir: string, window: DedupWindow, log: Logger) {
    this.#dir = dir;
    this.#window = window;
    this.#log = log;
  }

  /** Restores the window from `dir` (log, then the tags of `segments` = [id, durable bytes]),
   * rewrites the log, and starts recording each new success. */
  static async open(dir: string, window: DedupWindow, segments: ReadonlyArray<readonly [number, number]>, log: Logger): Promise<{ dedupLog: DedupLog; restored: number }> {
    const dedupLog = new DedupLog(dir, window, log);
    const lines = [...await dedupLog.#readLog(), ...await readTags(dir, segments)].sort((a, b) => a.atMs - b.atMs);
    for (const line of lines) window.restore(line.key, line.remembered, line.atMs);
    await dedupLog.#compact();
    window.onRemembered = (key, remembered, atMs) => dedupLog.#append({ key, remembered, atMs });
    return { dedupLog, restored: window.size };
  }

  /** Resolves once every success recorded so far is synced (or its write failed, which is logged). */
  flushed(): Promise<void> {
    return this.#synced;
  }

  async close(): Promise<void> {
    this.#window.onRemembered = undefined;
    this.#closed = true;
    await this.#synced;
  }

  #append(line: Line): void {
    this.#pending.push(JSON.stringify({ k: line.key, r: line.remembered, t: line.atMs }) + '\n');
    if (this.#pending.length > 1) return;
    // One write and one fdatasync for every line recorded while the previous was syncing.
    this.#synced = this.#synced.then(async () => {
      const text = this.#pending.join('');
      const count = this.#pending.length;
      this.#pending = [];
      try {
        if (this.#closed) throw new Error('dedup log closed');
        await appendSynced(path.join(this.#dir, LOG_FILE), text);
        if (this.#failed) this.#log.info({ dir: this.#dir }, 'dedup log: writes succeed again');
        this.#failed = false;
        this.#lines += count;
        if (this.#lines > this.#window.size + COMPACT_SLACK_LINES) await this.#compact();
      } catch (err) {
        // The keys stay in the window and in their spool frames; only a restart after
        // their segment's deletion would forget them.
        if (!this.#failed) this.#log.error({ err, dir: this.#dir }, 'dedup log: write failed; keys are remembered in memory and in the spool segments');
        this.#failed = true;
      }
    });
  }

  async #readLog(): Promise<Line[]> {
    let text: string;
    try {
      text = await fs.readFile(path.join(this.#dir, LOG_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const lines: Line[] = [];
    let damaged = 0;
    for (const text1 of text.split('\n')) {
      if (text1 === '') continue;
      const line = parseLine(text1);
      if (line === null) damaged++;
      else lines.push(line);
    }
    if (damaged > 0) this.#log.warn({ dir: this.#dir, lines: damaged }, 'dedup log: skipped lines that do not parse (a torn last write)');
    return lines;
  }

  /** Rewrites the log with the window's remembered keys: temporary file, fdatasync, rename, directory sync. */
  async #compact(): Promise<void> {
    const file = path.join(this.#dir, LOG_FILE);
    const temporary = file + '.tmp';
    let text = '';
    let count = 0;
    for (const { key, remembered, atMs } of this.#window.remembered()) {
      text += JSON.stringify({ k: key, r: remembered, t: atMs }) + '\n';
      count++;
    }
    const out = await fs.open(temporary, 'w');
    try {
      await out.write(text);
      await out.datasync();
    } finally {
      await out.close();
    }
    await fs.rename(temporary, file);
    const directory = await fs.open(this.#dir, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
    this.#lines = count;
  }
}

/** Appends `text` to `file` and syncs it, then closes the file. */
async function appendSynced(file: string, text: string): Promise<void> {
  const handle = await fs.open(file, 'a');
  try {
    await handle.write(text);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

function parseLine(text: string): Line | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object') return null;
  const { t } = parsed as { t?: unknown };
  const record = decodeTag(Buffer.from(text, 'utf8'));
  if (record === null || typeof t !== 'number') return null;
  return { ...record, atMs: t };
}

/** The tags of the frames in `segments`: each request's success spooled with its last message. */
async function readTags(dir: string, segments: ReadonlyArray<readonly [number, number]>): Promise<Line[]> {
  const lines: Line[] = [];
  for (const [id, durableBytes] of segments) {
    const buf = (await fs.readFile(segmentFile(dir, id))).subarray(0, durableBytes);
    let at = 0;
    while (at < buf.length) {
      const check = checkFrame(buf, at, buf.length);
      if (check.kind !== 'frame') {
        // Damage the start-up recovery stepped over: go on at the next frame marker.
        at = nextMarker(buf, at + 4, buf.length);
        if (at < 0) break;
        continue;
      }
      const frame = readFrame(buf, at);
      const record: KeyRecord | null = frame.tag === null ? null : decodeTag(frame.tag);
      if (record !== null) lines.push({ ...record, atMs: frame.appendedAtMs });
      at += check.size;
    }
  }
  return lines;
}
