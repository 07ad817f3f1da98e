// Request bodies in one SharedArrayBuffer that every pool worker maps at
// start, instead of one ArrayBuffer per request transferred to a worker.
//
// Why: a transferred ArrayBuffer is freed only when the worker's isolate
// collects it, and a worker that builds few objects of its own (the byte
// scanners) collects rarely: V8 then lets garbage bodies pile up to its
// external-memory limit, about 64 MB per isolate. Measured with otlp_json
// forwarding at ~3,000 requests/s of 30 KB: peak RSS 270–278 MB, 161–163 MB
// with the arena (bench/RESULTS.md). Handing each body back to the main
// thread bounded it too, but cost a fifth of the requests/s. Bodies in the
// arena are reused as soon as their request is done, within a byte bound,
// with no allocation, transfer or collection per request.
//
// Hand-written: a first-fit allocator over a sorted list of free extents,
// lowest address first, so the pages in use stay at the bottom of the arena
// and its resident size follows the bytes in flight at once, not the arena's
// size. A body that does not fit (larger than what is free in one extent)
// is read into an ArrayBuffer of its own, as before, and counted.

/** Extents start on this boundary (a cache line), so no two bodies share one. */
const ALIGN = 64;

/** A body in the arena. The request holds it until it is answered, a decode
 * while a thread reads it; the last release gives the bytes back. */
export class ArenaLease {
  /** The body's bytes: a view on the arena. */
  readonly bytes: Uint8Array;
  #holds = 1;

  constructor(private readonly arena: BodyArena, readonly start: number, readonly length: number, private readonly extent: number) {
    this.bytes = new Uint8Array(arena.buffer, start, length);
  }

  hold(): void {
    if (this.#holds === 0) throw new Error('body arena: a released lease held again');
    this.#holds++;
  }

  release(): void {
    if (this.#holds === 0) throw new Error('body arena: a lease released twice');
    if (--this.#holds === 0) this.arena.give(this.start, this.extent);
  }
}

/** A request body: its bytes, in the arena (leased) or in an ArrayBuffer of its own. */
export interface RequestBody {
  readonly bytes: Uint8Array;
  readonly lease: ArenaLease | null;
}

/** A body in an ArrayBuffer of its own (the arena was full, or not used). */
export function ownBody(buffer: ArrayBuffer): RequestBody {
  return { bytes: new Uint8Array(buffer), lease: null };
}

export class BodyArena {
  readonly buffer: SharedArrayBuffer;
  /** Free extents as [start, length] pairs, sorted by start, never adjacent. */
  readonly #free: number[];
  #leasedBytes = 0;
  #peakLeasedBytes = 0;
  #misses = 0;

  constructor(bytes: number) {
    const size = Math.floor(bytes / ALIGN) * ALIGN;
    this.buffer = new SharedArrayBuffer(size);
    this.#free = size > 0 ? [0, size] : [];
  }

  /** Bytes leased now (extents, alignment included). */
  get leasedBytes(): number {
    return this.#leasedBytes;
  }

  /** The most bytes leased at once since start: about what the arena holds resident. */
  get peakLeasedBytes(): number {
    return this.#peakLeasedBytes;
  }

  /** Bodies read into buffers of their own because no free extent held them. */
  get misses(): number {
    return this.#misses;
  }

  /** Room for a body of `length` bytes, or null when no free extent holds it. */
  lease(length: number): ArenaLease | null {
    const extent = Math.max(ALIGN, Math.ceil(length / ALIGN) * ALIGN);
    const free = this.#free;
    for (let i = 0; i < free.length; i += 2) {
      const start = free[i]!;
      const room = free[i + 1]!;
      if (room < extent) continue;
      if (room === extent) free.splice(i, 2);
      else {
        free[i] = start + extent;
        free[i + 1] = room - extent;
      }
      this.#leasedBytes += extent;
      this.#peakLeasedBytes = Math.max(this.#peakLeasedBytes, this.#leasedBytes);
      return new ArenaLease(this, start, length, extent);
    }
    this.#misses++;
    return null;
  }

  /** Called by the lease's last release: the extent is free again, merged with its neighbours. */
  give(start: number, extent: number): void {
    const free = this.#free;
    let i = 0;
    while (i < free.length && free[i]! < start) i += 2;
    const joinsBefore = i > 0 && free[i - 2]! + free[i - 1]! === start;
    const joinsAfter = i < free.length && start + extent === free[i];
    if (joinsBefore && joinsAfter) {
      free[i - 1] = free[i - 1]! + extent + free[i + 1]!;
      free.splice(i, 2);
    } else if (joinsBefore) free[i - 1] = free[i - 1]! + extent;
    else if (joinsAfter) {
      free[i] = start;
      free[i + 1] = free[i + 1]! + extent;
    } else free.splice(i, 0, start, extent);
    this.#leasedBytes -= extent;
  }
}
