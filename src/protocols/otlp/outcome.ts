// What decoding an OTLP request came to: records written, and the items
// refused on their own (OTLP partial success).
import type { PartialRejection } from '../protocol';

export class Rejections {
  count = 0;
  #first = '';

  add(items: number, reason: string): void {
    if (items === 0) return;
    if (this.count === 0) this.#first = reason;
    this.count += items;
  }

  /** The partial_success to answer with, or undefined when nothing was refused. */
  toPartial(): PartialRejection | undefined {
    if (this.count === 0) return undefined;
    const more = this.count > 1 ? ` (first of ${this.count} rejected)` : '';
    return { rejected: this.count, message: this.#first + more };
  }
}

export interface Outcome {
  /** Kafka records written (a histogram point gives several). */
  readonly records: number;
  /** Data points, log records or spans in the request. */
  readonly items: number;
  readonly rejections: Rejections;
}
