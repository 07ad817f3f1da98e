// When a request goes to a decode worker: only while a worker is free and the
// rings hold less than `backlogBytes` that the pump has not produced yet.
// Otherwise it waits here, first come first served, as it would have waited
// in Piscina's queue for a free worker.
//
// Why hold it back: once the workers decode faster than the one main thread
// hands records to librdkafka, a request decoded early only waits in a ring
// instead of here, and its answer comes no sooner. In the ring it takes more
// room than its body (a record header and a key per record), while its body
// stays held in the arena until the answer anyway; and every ring page written
// stays resident, a ring shrinking back only when it empties (ring/layout.ts,
// "Rewind"). Holding it here keeps the rings near empty, so they rewind often.
// The pump opens the gate each time it has produced (pass()).

/** The unproduced bytes of the rings, as the gate reads them. */
export type Backlog = () => number;

export class GateClosedError extends Error {
  constructor() {
    super('the decode pool was shut down while the request waited for a worker');
    this.name = 'GateClosedError';
  }
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export class DispatchGate {
  readonly #slots: number;
  readonly #backlogBytes: number;
  readonly #backlog: Backlog;
  readonly #waiting: Waiter[] = [];
  #running = 0;
  #closed = false;

  /** `slots`: tasks that may run at once (the workers); `backlogBytes` 0 = the backlog is not looked at. */
  constructor(slots: number, backlogBytes: number, backlog: Backlog) {
    this.#slots = slots;
    this.#backlogBytes = backlogBytes;
    this.#backlog = backlog;
  }

  /** Tasks waiting to run. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves when the task may run; every task that entered must leave() once it has run. */
  enter(): Promise<void> {
    if (this.#closed) return Promise.reject(new GateClosedError());
    if (this.#waiting.length === 0 && this.#open()) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  /** A task that entered has run: its slot goes to the next one waiting. */
  leave(): void {
    this.#running--;
    this.pass();
  }

  /** Lets waiting tasks through while the gate is open: the pump calls it after producing. */
  pass(): void {
    while (this.#waiting.length > 0 && this.#open()) {
      this.#running++;
      this.#waiting.shift()!.resolve();
    }
  }

  /** Refuses every waiting task and every later one (the pool is shutting down). */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(new GateClosedError());
  }

  #open(): boolean {
    return this.#running < this.#slots && (this.#backlogBytes === 0 || this.#backlog() < this.#backlogBytes);
  }
}
