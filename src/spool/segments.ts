// The spool directory: numbered, append-only segment files and the delivered
// checkpoint. Synchronous file calls: this module runs on the spool writer
// thread (workers/spool-writer.ts) and in tests, never on the main thread.
import fs from 'node:fs';
import path from 'node:path';
import { appendedAtOf, checkFrame, nextMarker } from './frame';

const SEGMENT_SUFFIX = '.seg';
const CHECKPOINT_FILE = 'delivered.checkpoint';

export function segmentFile(dir: string, id: number): string {
  return path.join(dir, `${String(id).padStart(12, '0')}${SEGMENT_SUFFIX}`);
}

/** Segment ids in the directory, oldest first. */
export function listSegments(dir: string): number[] {
  return fs.readdirSync(dir)
    .filter((name) => /^\d{12}\.seg$/.test(name))
    .map((name) => Number(name.slice(0, 12)))
    .sort((a, b) => a - b);
}

/** A stretch of a segment that held no intact frame and is skipped. */
export interface Repair {
  readonly segment: number;
  readonly offset: number;
  readonly bytes: number;
  readonly action: 'truncated' | 'skipped';
  readonly reason: string;
}

export interface SegmentInfo {
  readonly id: number;
  /** Bytes of the file after repair: frames (and skipped damage) up to here. */
  readonly bytes: number;
  /** Intact frames (Kafka messages) at or after the offset counted from (the checkpoint). */
  readonly messages: number;
  /** appendedAtMs of its first counted frame; NaN when none was counted. */
  readonly oldestAppendedAtMs: number;
  readonly repairs: readonly Repair[];
}

/** Reads a segment, checks every frame and cuts a torn or damaged tail off
 * (ftruncate + fdatasync). Damage followed by intact frames is left in place
 * and reported as skipped: the replay reader steps over it the same way. */
export function recoverSegment(dir: string, id: number, countFrom = 0): SegmentInfo {
  const file = segmentFile(dir, id);
  const buf = fs.readFileSync(file);
  const repairs: Repair[] = [];
  let messages = 0;
  let oldest = Number.NaN;
  let at = 0;
  let goodEnd = 0;
  while (at < buf.length) {
    const check = checkFrame(buf, at, buf.length);
    if (check.kind === 'frame') {
      if (at >= countFrom) {
        if (messages === 0) oldest = appendedAtOf(buf, at);
        messages++;
      }
      at += check.size;
      goodEnd = at;
      continue;
    }
    const resume = findIntactFrame(buf, at + 4);
    const reason = check.kind === 'short' ? 'incomplete frame' : check.reason;
    if (resume === -1) {
      repairs.push({ segment: id, offset: goodEnd, bytes: buf.length - goodEnd, action: 'truncated', reason });
      const fd = fs.openSync(file, 'r+');
      try {
        fs.ftruncateSync(fd, goodEnd);
        fs.fdatasyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      return { id, bytes: goodEnd, messages, oldestAppendedAtMs: oldest, repairs };
    }
    repairs.push({ segment: id, offset: at, bytes: resume - at, action: 'skipped', reason });
    at = resume;
  }
  return { id, bytes: buf.length, messages, oldestAppendedAtMs: oldest, repairs };
}

/** The next offset at or after `from` where an intact frame starts, or -1. */
export function findIntactFrame(buf: Buffer, from: number): number {
  let at = nextMarker(buf, from, buf.length);
  while (at !== -1) {
    if (checkFrame(buf, at, buf.length).kind === 'frame') return at;
    at = nextMarker(buf, at + 4, buf.length);
  }
  return -1;
}

/** Position up to which everything has been delivered to Kafka. */
export interface Checkpoint {
  readonly segment: number;
  readonly offset: number;
}

export function readCheckpoint(dir: string): Checkpoint | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, CHECKPOINT_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const match = /^(\d+) (\d+)\n$/.exec(text);
  // An unreadable checkpoint only costs duplicates: replay starts at the oldest segment.
  if (match === null) return null;
  return { segment: Number(match[1]), offset: Number(match[2]) };
}

/** Replaces the checkpoint atomically: write, fdatasync, rename, sync the directory. */
export function writeCheckpoint(dir: string, checkpoint: Checkpoint): void {
  const target = path.join(dir, CHECKPOINT_FILE);
  const temporary = `${target}.tmp`;
  const fd = fs.openSync(temporary, 'w');
  try {
    fs.writeSync(fd, `${checkpoint.segment} ${checkpoint.offset}\n`);
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, target);
  syncDirectory(dir);
}

/** Makes a created, renamed or deleted directory entry durable. */
export function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
