// The items (data points, log records, spans) of a protobuf export request,
// counted on the wire, for forwarding it unchanged (otlp_proto): decoding it
// with protobufjs only to count was most of that route's CPU (bench/otlp-cpu.ts).
// Runs after checkWire (well-formed, known fields of the right wire type) and
// counts as protobufjs' objects would: a repeated field's entries add up; a
// message field seen twice keeps its last occurrence; Metric's data oneof is
// the member protobufjs names (the set member added to the object last, by
// first appearance). A tag past 32 bits, which protobufjs reads truncated,
// returns undefined: the caller decodes with protobufjs instead.
import { Signal } from '../../signals';

/** Field numbers of the envelope: request → resource group (1) → scope group (2) → items (2). */
const GROUP = 1;
const SCOPE_GROUP = 2;
const ITEMS = 2;
/** Metric's data oneof: gauge, sum, histogram, exponential_histogram, summary; each holds data_points = 1. */
const METRIC_DATA = new Set([5, 7, 9, 10, 11]);
const DATA_POINTS = 1;

class TruncatedTag extends Error {}

class WireReader {
  pos: number;
  constructor(private readonly bytes: Uint8Array, from: number, readonly end: number) {
    this.pos = from;
  }

  /** A varint already known to be well formed. */
  varint(): number {
    let value = 0;
    for (let scale = 1; ; scale *= 128) {
      const byte = this.bytes[this.pos++]!;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
    }
  }

  tag(): number {
    const tag = this.varint();
    if (tag > 0xffffffff) throw new TruncatedTag();
    return tag;
  }

  /** Skips the value of a field of this wire type; returns [start, end] of a length-delimited one. */
  skip(wireType: number): number {
    switch (wireType) {
      case 0: this.varint(); return -1;
      case 1: this.pos += 8; return -1;
      case 5: this.pos += 4; return -1;
      default: {
        const length = this.varint();
        const start = this.pos;
        this.pos += length;
        return start;
      }
    }
  }

  /** Calls fn(field, start, end) for each length-delimited field of the message. */
  fields(fn: (field: number, start: number, end: number) => void): void {
    while (this.pos < this.end) {
      const tag = this.tag();
      const start = this.skip(tag % 8);
      if (tag % 8 === 2) fn(Math.floor(tag / 8), start, this.pos);
    }
  }

  sub(start: number, end: number): WireReader {
    return new WireReader(this.bytes, start, end);
  }
}

/** Entries of field `number` in the message. */
function countField(message: WireReader, number: number): number {
  let n = 0;
  message.fields((field) => {
    if (field === number) n++;
  });
  return n;
}

function metricPoints(metric: WireReader): number {
  // The oneof members set, in the order they first appeared, and each one's last occurrence.
  const order: number[] = [];
  const last = new Map<number, [number, number]>();
  metric.fields((field, start, end) => {
    if (!METRIC_DATA.has(field)) return;
    if (!last.has(field)) order.push(field);
    last.set(field, [start, end]);
  });
  if (order.length === 0) return 0;
  const [start, end] = last.get(order[order.length - 1]!)!;
  return countField(metric.sub(start, end), DATA_POINTS);
}

function countItems(request: WireReader, signal: Signal): number {
  let items = 0;
  request.fields((field, start, end) => {
    if (field !== GROUP) return;
    request.sub(start, end).fields((field2, start2, end2) => {
      if (field2 !== SCOPE_GROUP) return;
      request.sub(start2, end2).fields((field3, start3, end3) => {
        if (field3 !== ITEMS) return;
        items += signal === Signal.Metrics ? metricPoints(request.sub(start3, end3)) : 1;
      });
    });
  });
  return items;
}

/** Items in a checked protobuf request, or undefined when only protobufjs can say (see above). */
export function wireItemCount(body: Uint8Array, signal: Signal): number | undefined {
  try {
    return countItems(new WireReader(body, 0, body.length), signal);
  } catch (err) {
    if (err instanceof TruncatedTag) return undefined;
    throw err;
  }
}
