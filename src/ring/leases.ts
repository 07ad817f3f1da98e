// The lease table: one Int32 per ring in a SharedArrayBuffer, one of the
// cross-thread contracts (docs/ARCHITECTURE.md lists the five). Every
// operation on it is here (workers, the pool and the pump all go through
// this class).
//
//   slot i:  0            ring i is free
//            seq > 0      the task of ledger entry `seq` is writing ring i
//            REWIND_LEASE the pump holds ring i while it rewinds it (layout.ts)
//
// A worker leases a ring by compare-and-swap 0 → seq for one task, so each
// ring has one writer at a time. Releases are compare-and-swap seq → 0, so a
// late release by a worker whose lease was already freed for it (the pool
// does that when the worker died) changes nothing.

/** Lease value the pump holds while rewinding; request seqs are positive. */
export const REWIND_LEASE = -1;

export class LeaseTable {
  readonly #slots: Int32Array;

  constructor(shared: SharedArrayBuffer) {
    this.#slots = new Int32Array(shared);
  }

  static create(rings: number): SharedArrayBuffer {
    return new SharedArrayBuffer(4 * rings);
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Leases a free ring for task `seq`, trying `preferred` first; its index, or null when all are busy. */
  lease(seq: number, preferred: number): number | null {
    const slots = this.#slots;
    for (let n = 0; n < slots.length; n++) {
      const i = (preferred + n) % slots.length;
      if (Atomics.compareExchange(slots, i, 0, seq) === 0) return i;
    }
    return null;
  }

  /** Gives ring `index` back if `seq` still holds it. */
  release(index: number, seq: number): void {
    Atomics.compareExchange(this.#slots, index, seq, 0);
  }

  /** Frees every ring `seq` holds: its worker died and can no longer write. */
  releaseAllHeldBy(seq: number): void {
    for (let i = 0; i < this.#slots.length; i++) this.release(i, seq);
  }

  /** The pump takes a free ring to rewind it; false when a worker holds it. */
  holdForRewind(index: number): boolean {
    return Atomics.compareExchange(this.#slots, index, 0, REWIND_LEASE) === 0;
  }

  endRewind(index: number): void {
    this.release(index, REWIND_LEASE);
  }

  /** Who holds ring `index` (0 = free). */
  holder(index: number): number {
    return Atomics.load(this.#slots, index);
  }
}
