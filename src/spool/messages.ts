// Messages between the main thread (src/spool/journal.ts) and the spool
// writer thread (workers/spool-writer.ts). The writer thread alone touches
// segment files for writing, so appends, checkpoints and deletions are
// ordered by one message queue and the main thread never waits on a disk.
import type { Checkpoint, SegmentInfo } from './segments';

export interface SpoolWriterData {
  readonly dir: string;
  readonly segmentBytes: number;
}

export type ToWriter =
  /** Frames laid out back to back with zero checksums; the writer seals them. */
  | { readonly type: 'append'; readonly batch: number; readonly data: ArrayBuffer; readonly bytes: number }
  /** Persist the checkpoint, then delete segments older than `deleteBefore`. */
  | { readonly type: 'checkpoint'; readonly checkpoint: Checkpoint; readonly deleteBefore: number }
  | { readonly type: 'close' };

export type FromWriter =
  | { readonly type: 'recovered'; readonly segments: readonly SegmentInfo[]; readonly checkpoint: Checkpoint | null }
  | { readonly type: 'unusable'; readonly code: string; readonly message: string }
  /** Bytes [start, end) of `segment` are on disk and fdatasync'ed. `data`:
   * the batch's buffer, handed back (transferred) for the next batch. */
  | { readonly type: 'appended'; readonly batch: number; readonly segment: number; readonly start: number; readonly end: number; readonly syncSeconds: number; readonly data: ArrayBuffer }
  | { readonly type: 'append-failed'; readonly batch: number; readonly code: string; readonly message: string; readonly data: ArrayBuffer }
  | { readonly type: 'checkpointed'; readonly checkpoint: Checkpoint; readonly deleted: readonly number[] }
  | { readonly type: 'checkpoint-failed'; readonly code: string; readonly message: string }
  | { readonly type: 'closed' };
