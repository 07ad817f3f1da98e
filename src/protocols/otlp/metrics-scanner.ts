// The OTLP/protobuf metrics fast path: one walk over an export request's wire
// bytes that writes the Kafka key and value of each gauge and sum point, the
// _bucket, _sum and _count records of each histogram point (explicit or
// exponential buckets) and the quantile, _sum and _count records of each
// summary point, as bytes, without protobufjs' object graph (an object per
// point and per attribute, a Long per 64-bit field) or a label string per point.
//
// Why hand-rolled: protobufjs decodes into objects only, and the records can
// be written from the attribute bytes as they are. Measured with
// bench/otlp-cpu.ts (100 points of 9 labels, ring write included), the general
// path (protobufjs, then metrics.ts) cost 8.6–10.2 µs of CPU per point and
// this one 3.8–4.3; a histogram point of 10 bounds (13 records) 58–75 → 33–37.
//
// Like the native scanner (../native/metrics-scanner.ts) it decides only what
// it can decide exactly, once checkWire has accepted the body: a request it
// accepts gives byte for byte the records of the general path. Anything else
// returns NOT_SCANNED before a record is written, and the general path decides
// it: a point or metric the general path would refuse, array, kvlist and bytes
// attribute values, a label name that is not plain ASCII or that an object
// orders first, a string JSON escapes, a oneof set twice over, a varint
// protobufjs reads its own way, too many records. Messages it does not read (exemplars) are skipped whole, as
// checkWire passed them. test/protocols/otlp/metrics-scanner.test.ts holds the
// two paths equal, with fields reordered and sent twice.
import { Buffer } from 'node:buffer';
import type { Config } from '../../config/schema';
import { ByteOut } from '../../decode/byte-out';
import { BACKSLASH, CLOSE_BRACE, COLON, COMMA, EQUALS, NOT_SCANNED, NOT_SCANNED_SIGNAL, OPEN_BRACE, QUOTE, notScanned } from '../../decode/scan';
import { V_END, V_LABELS, V_NAME, V_TIMESTAMP, V_TYPE, V_VALUE } from '../native/metrics-scanner';
import type { EncodedRecordSink } from '../../decode/sink';
import { Signal } from '../../signals';

// Field numbers (opentelemetry-proto, as proto.ts spells them).
const REQUEST_RESOURCE_METRICS = 1;
const RESOURCE = 1;
const SCOPE_METRICS = 2;
const RESOURCE_ATTRIBUTES = 1;
const SCOPE = 1;
const METRICS = 2;
const SCOPE_NAME = 1;
const SCOPE_VERSION = 2;
const SCOPE_ATTRIBUTES = 3;
const METRIC_NAME = 1;
const GAUGE = 5;
const SUM = 7;
const HISTOGRAM = 9;
const EXPONENTIAL_HISTOGRAM = 10;
const EXPONENTIAL_ATTRIBUTES = 1;
const EXPONENTIAL_SCALE = 6;
const EXPONENTIAL_ZERO_COUNT = 7;
const EXPONENTIAL_POSITIVE = 8;
const EXPONENTIAL_NEGATIVE = 9;
const EXPONENTIAL_ZERO_THRESHOLD = 14;
const BUCKETS_OFFSET = 1;
const BUCKETS_COUNTS = 2;
const SUMMARY = 11;
const DATA_POINTS = 1;
const SUM_IS_MONOTONIC = 3;
const POINT_TIME = 3;
const POINT_AS_DOUBLE = 4;
const POINT_AS_INT = 6;
const POINT_ATTRIBUTES = 7;
const POINT_FLAGS = 8;
const HISTOGRAM_COUNT = 4;
const HISTOGRAM_SUM = 5;
const HISTOGRAM_BUCKET_COUNTS = 6;
const HISTOGRAM_EXPLICIT_BOUNDS = 7;
const HISTOGRAM_ATTRIBUTES = 9;
const SUMMARY_COUNT = 4;
const SUMMARY_SUM = 5;
const SUMMARY_QUANTILE_VALUES = 6;
const SUMMARY_ATTRIBUTES = 7;
const QUANTILE = 1;
const QUANTILE_VALUE = 2;
const KEY = 1;
const VALUE = 2;
const STRING_VALUE = 1;
const BOOL_VALUE = 2;
const INT_VALUE = 3;
const DOUBLE_VALUE = 4;
/** AnyValue's last member (array 5, kvlist 6, bytes 7 are left to the general path). */
const BYTES_VALUE = 7;
const FLAG_NO_RECORDED_VALUE = 1;

// A label's slots: where its name and value are (source, start, end), and
// the value's length in UTF-16 code units (what the label limits count).
const enum L { NameSrc, NameStart, NameEnd, ValueSrc, ValueStart, ValueEnd, ValueUnits }
const LABEL_SLOTS = 7;
/** Sources of a label's bytes: the request body, or the scanner's own texts. */
const BODY = 0;
const TEXT = 1;

const GAUGE_TYPE = Buffer.from('gauge');
const COUNTER_TYPE = Buffer.from('counter');
const HISTOGRAM_TYPE = Buffer.from('histogram');
const SUMMARY_TYPE = Buffer.from('summary');
const BUCKET_SUFFIX = Buffer.from('_bucket');
const SUM_SUFFIX = Buffer.from('_sum');
const COUNT_SUFFIX = Buffer.from('_count');

/** Texts labels are written from that are not in the body, at the start of #text: [start, end). */
type Range = readonly [number, number];
const FIXED_TEXTS = 'otel_scope_nameotel_scope_versiontruefalsele+Infquantile';
const SCOPE_NAME_LABEL: Range = [0, 15];
const SCOPE_VERSION_LABEL: Range = [15, 33];
const TRUE_TEXT: Range = [33, 37];
const FALSE_TEXT: Range = [37, 42];
const LE_LABEL: Range = [42, 44];
const INF_TEXT: Range = [44, 48];
const QUANTILE_LABEL: Range = [48, 56];
const FIXED_BYTES = FIXED_TEXTS.length;
const EMPTY = Buffer.alloc(0);

const PROTO_NAME = Buffer.from('__proto__');
const MAX_ARRAY_INDEX = 4_294_967_294;
const TWO_32 = 4_294_967_296;

/** Records, label slots and bytes a scanner keeps between requests; a request
 * that grew past them gives the room back after it. */
const KEPT_RECORDS = 1024;
const KEPT_OUT_BYTES = 1 << 20;
const KEPT_TEXT_BYTES = 1 << 16;

type Limits = Pick<Config['limits'], 'maxNameLength' | 'maxLabelsPerRecord' | 'maxLabelNameLength' | 'maxLabelValueLength' | 'maxRecordsPerRequest'>;

/** A list of labels in insertion (object key) order, with their positions sorted by name. */
class LabelList {
  slots = new Int32Array(16 * LABEL_SLOTS);
  sorted = new Int32Array(16);
  count = 0;

  copyFrom(other: LabelList): void {
    if (this.slots.length < other.slots.length) {
      this.slots = new Int32Array(other.slots.length);
      this.sorted = new Int32Array(other.sorted.length);
    }
    const n = other.count;
    for (let i = 0; i < n * LABEL_SLOTS; i++) this.slots[i] = other.slots[i]!;
    for (let i = 0; i < n; i++) this.sorted[i] = other.sorted[i]!;
    this.count = n;
  }

  /** Room for one more label; returns its slot. */
  grow(): number {
    if ((this.count + 1) * LABEL_SLOTS > this.slots.length) {
      const slots = new Int32Array(this.slots.length * 2);
      slots.set(this.slots);
      this.slots = slots;
      const sorted = new Int32Array(this.sorted.length * 2);
      sorted.set(this.sorted);
      this.sorted = sorted;
    }
    return this.count * LABEL_SLOTS;
  }
}

export class OtlpMetricsScanner {
  /** Always a Buffer, so that every byte read here sees one kind of array. */
  #body: Buffer = EMPTY;
  #pos = 0;
  /** Label texts that are not in the body (bool, int and double values, the scope labels' names). */
  #text = Buffer.allocUnsafe(KEPT_TEXT_BYTES);
  #t = FIXED_BYTES;
  readonly #out = new ByteOut(KEPT_OUT_BYTES);
  /** Per record: where it starts in #out, its key's bytes, its value's bytes. */
  #records = new Int32Array(3 * KEPT_RECORDS);
  #count = 0;
  /** Records the general path counts against maxRecordsPerRequest (a histogram point: bounds + 3). */
  #counted = 0;
  /** A histogram point's bucket counts and bounds, in wire order. */
  #bucketCounts = new Float64Array(64);
  #buckets = 0;
  #bounds = new Float64Array(64);
  #boundCount = 0;
  /** An exponential histogram point's bucket counts as sent: the negative side's, then the positive side's. */
  #sideCounts = new Float64Array(64);
  #sides = 0;
  /** A summary point's quantile values: quantile, value, in wire order. */
  #quantiles = new Float64Array(32);
  #quantileCount = 0;
  /** A point's labels with le (histogram buckets) or quantile (summary quantiles). */
  readonly #leLabels = new LabelList();
  readonly #resource = new LabelList();
  readonly #scope = new LabelList();
  readonly #pointLabels = new LabelList();
  // The value being read: the last AnyValue's kind and where its label text is.
  #valueSrc = BODY;
  #valueStart = 0;
  #valueEnd = 0;
  #valueUnits = 0;
  /** The end of the field #last found. */
  #lastEnd = 0;

  constructor(private readonly limits: Limits) {
    this.#text.write(FIXED_TEXTS, 0, 'latin1');
  }

  /** Writes the request's records into `sink` and returns how many; or
   * NOT_SCANNED, having written nothing, when the general path must decide.
   * The body has passed checkWire. */
  decode(body: Buffer, receivedAtMs: number, sink: EncodedRecordSink): number {
    this.#body = body;
    this.#pos = 0;
    this.#t = FIXED_BYTES;
    this.#out.at = 0;
    this.#count = 0;
    this.#counted = 0;
    try {
      this.#request(receivedAtMs);
      const records = this.#records;
      for (let r = 0; r < this.#count; r++) {
        const start = records[3 * r]!;
        const keyBytes = records[3 * r + 1]!;
        const valueBytes = records[3 * r + 2]!;
        sink.appendEncoded(Signal.Metrics, r, this.#out.bytes.subarray(start, start + keyBytes + valueBytes), keyBytes, valueBytes);
      }
      return this.#count;
    } catch (err) {
      if (err === NOT_SCANNED_SIGNAL) return NOT_SCANNED;
      throw err;
    } finally {
      this.#body = EMPTY; // not kept alive until the next request
      this.#shrink();
    }
  }

  #shrink(): void {
    if (this.#records.length > 3 * KEPT_RECORDS) this.#records = new Int32Array(3 * KEPT_RECORDS);
    this.#out.shrink();
    if (this.#text.length > KEPT_TEXT_BYTES) {
      const text = Buffer.allocUnsafe(KEPT_TEXT_BYTES);
      this.#text.copy(text, 0, 0, FIXED_BYTES);
      this.#text = text;
    }
  }

  // --- The wire: checkWire has checked lengths and wire types; what protobufjs
  // reads in its own way (a tag, length or 32-bit varint longer than 5 bytes or
  // past 32 bits) is left to it.

  #varint32(): number {
    const body = this.#body;
    let value = 0;
    for (let i = 0, scale = 1; i < 5; i++, scale *= 128) {
      const byte = body[this.#pos++]!;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value > 0xffffffff ? notScanned() : value;
    }
    return notScanned();
  }

  #skipVarint(): void {
    while ((this.#body[this.#pos++]! & 0x80) !== 0);
  }

  /** Moves past a field's value. */
  #skip(wireType: number): void {
    switch (wireType) {
      case 0: {
        // protobufjs reads a 32-bit field's varint as 5 bytes, or as 10 (a
        // negative int32); other lengths it would misread: not this path's.
        const start = this.#pos;
        this.#skipVarint();
        const length = this.#pos - start;
        if (length > 5 && length < 10) notScanned();
        return;
      }
      case 1: this.#pos += 8; return;
      case 5: this.#pos += 4; return;
      default: this.#delimited();
    }
  }

  /** The start of the length-delimited field whose tag was just read; #pos moves to its end. */
  #delimited(): number {
    const length = this.#varint32();
    const start = this.#pos;
    this.#pos += length;
    return start;
  }

  #uint32At(at: number): number {
    const b = this.#body;
    return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;
  }

  // --- The envelope: request → resource metrics → scope metrics → metric → point.

  /** Calls fn(from, to) for each length-delimited field of the message [start, end) with this tag, in order. */
  #each(start: number, end: number, tag: number, fn: (from: number, to: number) => void): void {
    this.#pos = start;
    while (this.#pos < end) {
      const read = this.#varint32();
      if (read === tag) {
        const from = this.#delimited();
        const to = this.#pos;
        fn(from, to);
        this.#pos = to;
      } else this.#skip(read & 7);
    }
  }

  /** Where the last field with this tag starts in the message, or -1; #lastEnd is its end (a
   * message field seen twice keeps its last, as protobufjs does: it replaces, not merges). */
  #last(start: number, end: number, tag: number): number {
    let found = -1;
    this.#each(start, end, tag, (from, to) => {
      found = from;
      this.#lastEnd = to;
    });
    return found;
  }

  #request(receivedAtMs: number): void {
    this.#each(0, this.#body.length, REQUEST_RESOURCE_METRICS << 3 | 2, (from, to) => this.#resourceMetrics(from, to, receivedAtMs));
  }

  #resourceMetrics(start: number, end: number, receivedAtMs: number): void {
    const labels = this.#resource;
    labels.count = 0;
    const resource = this.#last(start, end, RESOURCE << 3 | 2);
    if (resource >= 0) this.#each(resource, this.#lastEnd, RESOURCE_ATTRIBUTES << 3 | 2, (from, to) => this.#attribute(labels, from, to));
    this.#each(start, end, SCOPE_METRICS << 3 | 2, (from, to) => this.#scopeMetrics(from, to, receivedAtMs));
  }

  #scopeMetrics(start: number, end: number, receivedAtMs: number): void {
    const labels = this.#scope;
    labels.copyFrom(this.#resource);
    const scope = this.#last(start, end, SCOPE << 3 | 2);
    if (scope >= 0) this.#scopeLabels(scope, this.#lastEnd, labels);
    this.#each(start, end, METRICS << 3 | 2, (from, to) => this.#metric(from, to, receivedAtMs));
  }

  /** The scope's attributes, then otel_scope_name and otel_scope_version when set. */
  #scopeLabels(start: number, end: number, labels: LabelList): void {
    let nameStart = 0;
    let nameEnd = 0;
    let versionStart = 0;
    let versionEnd = 0;
    this.#pos = start;
    while (this.#pos < end) {
      const tag = this.#varint32();
      if (tag === (SCOPE_ATTRIBUTES << 3 | 2)) this.#attributeField(labels);
      else if (tag === (SCOPE_NAME << 3 | 2)) {
        nameStart = this.#delimited();
        nameEnd = this.#pos;
      } else if (tag === (SCOPE_VERSION << 3 | 2)) {
        versionStart = this.#delimited();
        versionEnd = this.#pos;
      } else this.#skip(tag & 7);
    }
    if (nameEnd > nameStart) this.#scopeLabel(labels, SCOPE_NAME_LABEL, nameStart, nameEnd);
    if (versionEnd > versionStart) this.#scopeLabel(labels, SCOPE_VERSION_LABEL, versionStart, versionEnd);
  }

  #scopeLabel(labels: LabelList, [nameStart, nameEnd]: Range, valueStart: number, valueEnd: number): void {
    this.#bodyString(valueStart, valueEnd);
    this.#set(labels, TEXT, nameStart, nameEnd);
  }

  #metric(start: number, end: number, receivedAtMs: number): void {
    let nameStart = 0;
    let nameEnd = 0;
    let dataTag = 0;
    let dataStart = 0;
    let dataEnd = 0;
    this.#pos = start;
    while (this.#pos < end) {
      const tag = this.#varint32();
      const field = tag >>> 3;
      if (tag === (METRIC_NAME << 3 | 2)) {
        nameStart = this.#delimited();
        nameEnd = this.#pos;
      } else if (field === GAUGE || field === SUM || field === HISTOGRAM || field === EXPONENTIAL_HISTOGRAM || field === SUMMARY) {
        if (dataTag !== 0) notScanned(); // the data oneof set twice
        dataTag = field;
        dataStart = this.#delimited();
        dataEnd = this.#pos;
      } else this.#skip(tag & 7);
    }
    if (dataTag === 0) return; // no data: no points, nothing written
    const type = dataTag === SUM && this.#isMonotonic(dataStart, dataEnd) ? COUNTER_TYPE : GAUGE_TYPE;
    let named = false;
    this.#each(dataStart, dataEnd, DATA_POINTS << 3 | 2, (from, to) => {
      if (!named) {
        this.#checkMetricName(nameStart, nameEnd);
        named = true;
      }
      if (dataTag === HISTOGRAM) this.#histogramPoint(from, to, nameStart, nameEnd, receivedAtMs);
      else if (dataTag === EXPONENTIAL_HISTOGRAM) this.#exponentialPoint(from, to, nameStart, nameEnd, receivedAtMs);
      else if (dataTag === SUMMARY) this.#summaryPoint(from, to, nameStart, nameEnd, receivedAtMs);
      else this.#point(from, to, nameStart, nameEnd, type, receivedAtMs);
    });
  }

  #isMonotonic(start: number, end: number): boolean {
    let monotonic = false;
    this.#pos = start;
    while (this.#pos < end) {
      const tag = this.#varint32();
      if (tag === (SUM_IS_MONOTONIC << 3 | 0)) monotonic = this.#varint32() !== 0;
      else this.#skip(tag & 7);
    }
    return monotonic;
  }

  /** A name the general path refuses (empty, too long) or JSON escapes is not this path's. */
  #checkMetricName(start: number, end: number): void {
    const units = this.#jsonSafeUnits(start, end);
    if (units === 0 || units > this.limits.maxNameLength - 7) notScanned();
  }

  #point(start: number, end: number, nameStart: number, nameEnd: number, type: Buffer, receivedAtMs: number): void {
    const labels = this.#pointLabels;
    labels.copyFrom(this.#scope);
    let timeAt = -1;
    let kind = 0;
    let at = 0;
    let flags = 0;
    this.#pos = start;
    while (this.#pos < end) {
      const tag = this.#varint32();
      switch (tag) {
        case POINT_TIME << 3 | 1: timeAt = this.#pos; this.#pos += 8; break;
        case POINT_AS_DOUBLE << 3 | 1:
        case POINT_AS_INT << 3 | 1:
          if (kind !== 0 && kind !== tag) notScanned(); // both members of the value oneof
          kind = tag;
          at = this.#pos;
          this.#pos += 8;
          break;
        case POINT_ATTRIBUTES << 3 | 2: this.#attributeField(labels); break;
        case POINT_FLAGS << 3 | 0: flags = this.#varint32(); break;
        default: this.#skip(tag & 7);
      }
    }
    let value: string;
    if (kind === (POINT_AS_DOUBLE << 3 | 1)) value = jsonNumberText(this.#body.readDoubleLE(at));
    else if (kind === (POINT_AS_INT << 3 | 1)) value = String(this.#body.readInt32LE(at + 4) * TWO_32 + this.#uint32At(at));
    else if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) value = '"NaN"';
    else return notScanned(); // a point with no value is refused on its own
    this.#checkLabels(labels);
    this.#countRecords(1);
    this.#write(nameStart, nameEnd, null, value, type, this.#timestamp(timeAt, receivedAtMs), labels);
  }

  /** A histogram point: <name>_bucket per bound (cumulative counts, le), +Inf (the
   * count), _sum when set, _count (MetricWriter.buckets of metrics.ts). */
  #histogramPoint(start: number, end: number, nameStart: number, nameEnd: number, receivedAtMs: number): void {
    const labels = this.#pointLabels;
    labels.copyFrom(this.#scope);
    let timeAt = -1;
    let countAt = -1;
    let sumAt = -1;
    this.#buckets = 0;
    this.#boundCount = 0;
    this.#pos = start;
    while (this.#pos < end) {
      const tag = this.#varint32();
      switch (tag) {
        case POINT_TIME << 3 | 1: timeAt = this.#pos; this.#pos += 8; break;
        case HISTOGRAM_COUNT << 3 | 1: countAt = this.#pos; this.#pos += 8; break;
        case HISTOGRAM_SUM << 3 | 1: sumAt = this.#pos; this.#pos += 8; break;
        case HISTOGRAM_BUCKET_COUNTS << 3 | 1: this.#bucketCount(this.#pos); this.#pos += 8; break;
        case HISTOGRAM_BUCKET_COUNTS << 3 | 2: this.#packed(true); break;
        case HISTOGRAM_EXPLICIT_BOUNDS << 3 | 1: this.#bound(this.#pos); this.#pos += 8; break;
        case HISTOGRAM_EXPLICIT_BOUNDS << 3 | 2: this.#packed(false); break;
        case HISTOGRAM_ATTRIBUTES << 3 | 2: this.#attributeField(labels); break;
        default: this.#skip(tag & 7);
      }
    }
    const bounds = this.#boundCount;
    if (this.#buckets !== 0 && this.#buckets !== bounds + 1) notScanned(); // refused on its own
    this.#checkLabels(labels);
    this.#countRecords(bounds + 3);
    this.#writeBuckets(nameStart, nameEnd, this.#buckets === 0 ? 0 : bounds, countAt, sumAt, this.#timestamp(timeAt, receivedAtMs), labels);
  }

  /** <name>_bucket per (le, count) of #bounds and #bucketCounts (cumulative), +Inf
   * (the count), _sum when set, _count (MetricWriter.buckets of metrics.ts). */
  #writeBuckets(nameStart: number, nameEnd: number, pairs: number, countAt: number, sumAt: number, timestamp: number, labels: LabelList): void {
    const count = countAt < 0 ? 0 : this.#uint64At(countAt);
    // The labels with le: set once (replacing an le attribute in place), then its value changed per bucket.
    const le = this.#leLabels;
    le.copyFrom(labels);
    this.#textValue(...INF_TEXT);
    const leSlot = this.#set(le, TEXT, LE_LABEL[0], LE_LABEL[1]);
    let cumulative = 0;
    for (let i = 0; i < pairs; i++) {
      cumulative += this.#bucketCounts[i]!;
      this.#textValue(...this.#writeText(String(this.#bounds[i]!)));
      this.#setValue(le.slots, leSlot);
      this.#write(nameStart, nameEnd, BUCKET_SUFFIX, String(cumulative), HISTOGRAM_TYPE, timestamp, le);
    }
    this.#textValue(...INF_TEXT);
    this.#setValue(le.slots, leSlot);
    this.#write(nameStart, nameEnd, BUCKET_SUFFIX, String(count), HISTOGRAM_TYPE, timestamp, le);
    if (sumAt >= 0) this.#write(nameStart, nameEnd, SUM_SUFFIX, jsonNumberText(this.#body.readDoubleLE(sumAt)), HISTOGRAM_TYPE, timestamp, labels);
    this.#write(nameStart, nameEnd, COUNT_SUFFIX, String(count), HISTOGRAM_TYPE, timestamp, labels);
  }

  /** An exponential histogram point as buckets of le bounds (MetricWriter.exponential
   * of metrics.ts): negative buckets (last first, their lower bounds negated), the
   * zero bucket at zero_threshold, positive buckets; empty buckets left out. */
  #exponentialPoint(start: number, end: number, nameStart: number, nameEnd: number, receivedAtMs: number): void {
    const labels = this.#pointLabels;
    labels.copyFrom(this.#scope);
    let timeAt = -1;
    let countAt = -1;
    let sumAt = -1;
    let zeroCountAt = -1;
    let zeroThresholdAt = -1;
    let scale = 0;
    let positive = -1;
    let positiveEnd = -1;
    let negative = -1;
    let negativeEnd = -1;
    this.#pos = start;
    while (this.#pos < end) {
      const tag = this.#varint32();
      switch (tag) {
        case EXPONENTIAL_ATTRIBUTES << 3 | 2: this.#attributeField(labels); break;
        case POINT_TIME << 3 | 1: timeAt = this.#pos; this.#pos += 8; break;
        case HISTOGRAM_COUNT << 3 | 1: countAt = this.#pos; this.#pos += 8; break;
        case HISTOGRAM_SUM << 3 | 1: sumAt = this.#pos; this.#pos += 8; break;
        case EXPONENTIAL_SCALE << 3 | 0: scale = zigzag32(this.#varint32()); break;
        case EXPONENTIAL_ZERO_COUNT << 3 | 1: zeroCountAt = this.#pos; this.#pos += 8; break;
        case EXPONENTIAL_ZERO_THRESHOLD << 3 | 1: zeroThresholdAt = this.#pos; this.#pos += 8; break;
        case EXPONENTIAL_POSITIVE << 3 | 2: positive = this.#delimited(); positiveEnd = this.#pos; break;
        case EXPONENTIAL_NEGATIVE << 3 | 2: negative = this.#delimited(); negativeEnd = this.#pos; break;
        default: this.#skip(tag & 7);
      }
    }
    // Each side's offset and counts (uint64 varints, packed or not) into #sideCounts: negative, then positive.
    this.#sides = 0;
    const negativeOffset = negative < 0 ? 0 : this.#exponentialBuckets(negative, negativeEnd);
    const negatives = this.#sides;
    const positiveOffset = positive < 0 ? 0 : this.#exponentialBuckets(positive, positiveEnd);
    const positives = this.#sides - negatives;
    this.#checkLabels(labels);
    this.#countRecords(positives + negatives + 4);
    const upper = (index: number): number => 2 ** ((index + 1) * 2 ** -scale);
    const counts = this.#sideCounts;
    this.#boundCount = 0;
    this.#buckets = 0;
    for (let i = negatives - 1; i >= 0; i--) {
      if (counts[i]! > 0) this.#pair(-upper(negativeOffset + i - 1), counts[i]!);
    }
    const zero = zeroCountAt < 0 ? 0 : this.#uint64At(zeroCountAt);
    if (zero > 0) this.#pair(zeroThresholdAt < 0 ? 0 : this.#body.readDoubleLE(zeroThresholdAt), zero);
    for (let i = 0; i < positives; i++) {
      if (counts[negatives + i]! > 0) this.#pair(upper(positiveOffset + i), counts[negatives + i]!);
    }
    this.#writeBuckets(nameStart, nameEnd, this.#boundCount, countAt, sumAt, this.#timestamp(timeAt, receivedAtMs), labels);
  }

  /** A Buckets message's counts appended to #sideCounts; returns its offset. */
  #exponentialBuckets(start: number, end: number): number {
    let offset = 0;
    this.#pos = start;
    while (this.#pos < end) {
      const tag = this.#varint32();
      if (tag === (BUCKETS_OFFSET << 3 | 0)) offset = zigzag32(this.#varint32());
      else if (tag === (BUCKETS_COUNTS << 3 | 0)) this.#varintCount();
      else if (tag === (BUCKETS_COUNTS << 3 | 2)) {
        const from = this.#delimited();
        const to = this.#pos;
        this.#pos = from;
        while (this.#pos < to) this.#varintCount();
        if (this.#pos !== to) notScanned(); // a varint running past its packed field
      } else this.#skip(tag & 7);
    }
    return offset;
  }

  /** A uint64 varint count appended to #sideCounts, as the nearest double (int64ToNumber of values.ts). */
  #varintCount(): void {
    const start = this.#pos;
    this.#skipVarint();
    if (this.#sides === this.#sideCounts.length) this.#sideCounts = grow(this.#sideCounts);
    this.#sideCounts[this.#sides++] = uint64Varint(this.#body, start, this.#pos);
  }

  /** One (le, count) for #writeBuckets. */
  #pair(le: number, count: number): void {
    if (this.#boundCount === this.#bounds.length) this.#bounds = grow(this.#bounds);
    if (this.#buckets === this.#bucketCounts.length) this.#bucketCounts = grow(this.#bucketCounts);
    this.#bounds[this.#boundCount++] = le;
    this.#bucketCounts[this.#buckets++] = count;
  }

  /** A summary point: <name>{quantile} per quantile value, then _sum (0 when
   * unset: not optional in proto3) and _count (MetricWriter.summary of metrics.ts). */
  #summaryPoint(start: number, end: number, nameStart: number, nameEnd: number, receivedAtMs: number): void {
    const labels = this.#pointLabels;
    labels.copyFrom(this.#scope);
    let timeAt = -1;
    let countAt = -1;
    let sumAt = -1;
    this.#quantileCount = 0;
    this.#pos = start;
    while (this.#pos < end) {
      const tag = this.#varint32();
      switch (tag) {
        case POINT_TIME << 3 | 1: timeAt = this.#pos; this.#pos += 8; break;
        case SUMMARY_COUNT << 3 | 1: countAt = this.#pos; this.#pos += 8; break;
        case SUMMARY_SUM << 3 | 1: sumAt = this.#pos; this.#pos += 8; break;
        case SUMMARY_QUANTILE_VALUES << 3 | 2: {
          const from = this.#delimited();
          const to = this.#pos;
          this.#quantile(from, to);
          this.#pos = to;
          break;
        }
        case SUMMARY_ATTRIBUTES << 3 | 2: this.#attributeField(labels); break;
        default: this.#skip(tag & 7);
      }
    }
    const quantiles = this.#quantileCount;
    this.#checkLabels(labels);
    this.#countRecords(quantiles + 2);
    const timestamp = this.#timestamp(timeAt, receivedAtMs);
    if (quantiles > 0) {
      // The labels with quantile: set once (replacing a quantile attribute in place), then its value changed per quantile.
      const q = this.#leLabels;
      q.copyFrom(labels);
      this.#textValue(...this.#writeText(String(this.#quantiles[0]!)));
      const slot = this.#set(q, TEXT, QUANTILE_LABEL[0], QUANTILE_LABEL[1]);
      for (let i = 0; i < quantiles; i++) {
        if (i > 0) {
          this.#textValue(...this.#writeText(String(this.#quantiles[2 * i]!)));
          this.#setValue(q.slots, slot);
        }
        this.#write(nameStart, nameEnd, null, jsonNumberText(this.#quantiles[2 * i + 1]!), SUMMARY_TYPE, timestamp, q);
      }
    }
    this.#write(nameStart, nameEnd, SUM_SUFFIX, jsonNumberText(sumAt < 0 ? 0 : this.#body.readDoubleLE(sumAt)), SUMMARY_TYPE, timestamp, labels);
    this.#write(nameStart, nameEnd, COUNT_SUFFIX, String(countAt < 0 ? 0 : this.#uint64At(countAt)), SUMMARY_TYPE, timestamp, labels);
  }

  /** A ValueAtQuantile (quantile, value; each 0 when unset) into #quantiles. */
  #quantile(start: number, end: number): void {
    let quantile = 0;
    let value = 0;
    this.#pos = start;
    while (this.#pos < end) {
      const tag = this.#varint32();
      if (tag === (QUANTILE << 3 | 1)) quantile = this.#body.readDoubleLE(this.#pos);
      else if (tag === (QUANTILE_VALUE << 3 | 1)) value = this.#body.readDoubleLE(this.#pos);
      else {
        this.#skip(tag & 7);
        continue;
      }
      this.#pos += 8;
    }
    if (2 * this.#quantileCount + 2 > this.#quantiles.length) this.#quantiles = grow(this.#quantiles);
    this.#quantiles[2 * this.#quantileCount] = quantile;
    this.#quantiles[2 * this.#quantileCount + 1] = value;
    this.#quantileCount++;
  }

  /** A point's time_unix_nano (a fixed64 at `at`, -1 when absent) in ms, or when it came when unset (timestampOf of metrics.ts). */
  #timestamp(at: number, receivedAtMs: number): number {
    const ms = at < 0 ? 0 : nanosToMs(this.#uint32At(at + 4), this.#uint32At(at));
    return ms > 0 ? ms : receivedAtMs;
  }

  /** A packed repeated fixed64 (bucket counts) or double (bounds) field, its tag just read. */
  #packed(counts: boolean): void {
    const start = this.#delimited();
    const end = this.#pos;
    if ((end - start) % 8 !== 0) notScanned(); // protobufjs would read past the field
    for (let at = start; at < end; at += 8) {
      if (counts) this.#bucketCount(at);
      else this.#bound(at);
    }
  }

  #bucketCount(at: number): void {
    if (this.#buckets === this.#bucketCounts.length) this.#bucketCounts = grow(this.#bucketCounts);
    this.#bucketCounts[this.#buckets++] = this.#uint64At(at);
  }

  #bound(at: number): void {
    if (this.#boundCount === this.#bounds.length) this.#bounds = grow(this.#bounds);
    this.#bounds[this.#boundCount++] = this.#body.readDoubleLE(at);
  }

  /** An unsigned fixed64 as the nearest double (int64ToNumber of values.ts: one rounding of the exact sum). */
  #uint64At(at: number): number {
    return this.#uint32At(at + 4) * TWO_32 + this.#uint32At(at);
  }

  /** The general path refuses a request of more records than the limit before writing any. */
  #countRecords(records: number): void {
    this.#counted += records;
    if (this.#counted > this.limits.maxRecordsPerRequest) notScanned();
  }

  /** What the record writer refuses of a point's labels is not this path's (LabelSet.check). */
  #checkLabels(labels: LabelList): void {
    const { maxLabelsPerRecord, maxLabelNameLength, maxLabelValueLength } = this.limits;
    if (labels.count > maxLabelsPerRecord - 2) notScanned();
    const slots = labels.slots;
    for (let i = 0; i < labels.count; i++) {
      const s = i * LABEL_SLOTS;
      if (slots[s + L.NameEnd]! - slots[s + L.NameStart]! > maxLabelNameLength) notScanned();
      if (slots[s + L.ValueUnits]! > maxLabelValueLength) notScanned();
    }
  }

  // --- Attributes → labels.

  /** The KeyValue whose tag was just read, as a label. */
  #attributeField(labels: LabelList): void {
    const start = this.#delimited();
    this.#attribute(labels, start, this.#pos);
  }

  /** A KeyValue as a label: set, a later key replacing an earlier one's value in place. */
  #attribute(labels: LabelList, start: number, end: number): void {
    let keyStart = 0;
    let keyEnd = 0;
    let valueStart = -1;
    let valueEnd = -1;
    this.#pos = start;
    while (this.#pos < end) {
      const tag = this.#varint32();
      if (tag === (KEY << 3 | 2)) {
        keyStart = this.#delimited();
        keyEnd = this.#pos;
      } else if (tag === (VALUE << 3 | 2)) {
        valueStart = this.#delimited();
        valueEnd = this.#pos;
      } else this.#skip(tag & 7);
    }
    this.#checkLabelName(keyStart, keyEnd);
    if (valueStart < 0) this.#emptyValue();
    else this.#anyValue(valueStart, valueEnd);
    this.#set(labels, BODY, keyStart, keyEnd);
    this.#pos = end;
  }

  /** Names that sort and write as their bytes: ASCII that JSON does not escape, not
   * empty, not one an object puts first (an array index) or drops (__proto__). */
  #checkLabelName(start: number, end: number): void {
    const body = this.#body;
    if (end === start) notScanned();
    let digits = true;
    for (let i = start; i < end; i++) {
      const b = body[i]!;
      if (b < 0x20 || b >= 0x80 || b === QUOTE || b === BACKSLASH) notScanned();
      if (b < 0x30 || b > 0x39) digits = false;
    }
    if (digits && (body[start] !== 0x30 || end - start === 1) && (end - start < 10 || Number(body.toString('latin1', start, end)) <= MAX_ARRAY_INDEX)) notScanned();
    if (end - start === PROTO_NAME.length && body.compare(PROTO_NAME, 0, PROTO_NAME.length, start, end) === 0) notScanned();
  }

  #emptyValue(): void {
    this.#valueSrc = BODY;
    this.#valueStart = 0;
    this.#valueEnd = 0;
    this.#valueUnits = 0;
  }

  /** An AnyValue as its label text (anyValueToLabel of values.ts) into #value*. */
  #anyValue(start: number, end: number): void {
    let member = 0;
    let memberStart = 0;
    let memberEnd = 0;
    this.#pos = start;
    while (this.#pos < end) {
      const tag = this.#varint32();
      const field = tag >>> 3;
      if (field >= STRING_VALUE && field <= BYTES_VALUE) {
        if (member !== 0 && member !== field) notScanned(); // the oneof set twice over
        member = field;
        memberStart = this.#pos; // the value's first byte (a string's: its length)
        if ((tag & 7) === 0) this.#skipVarint(); // int64: any length
        else this.#skip(tag & 7);
        memberEnd = this.#pos;
      } else this.#skip(tag & 7);
    }
    switch (member) {
      case 0: this.#emptyValue(); return;
      case STRING_VALUE: {
        // memberStart is at the length varint: the string follows it.
        this.#pos = memberStart;
        const from = this.#delimited();
        this.#bodyString(from, memberEnd);
        return;
      }
      case BOOL_VALUE: {
        this.#pos = memberStart;
        this.#textValue(...(this.#varint32() !== 0 ? TRUE_TEXT : FALSE_TEXT));
        return;
      }
      case INT_VALUE: this.#textValue(...this.#writeText(int64Text(this.#body, memberStart, memberEnd))); return;
      case DOUBLE_VALUE: this.#textValue(...this.#writeText(String(this.#body.readDoubleLE(memberStart)))); return;
      default: notScanned(); // array, kvlist and bytes values
    }
  }

  /** A string of the body as the value: its UTF-16 length counted, JSON escapes left to the general path. */
  #bodyString(start: number, end: number): void {
    this.#valueSrc = BODY;
    this.#valueStart = start;
    this.#valueEnd = end;
    this.#valueUnits = this.#jsonSafeUnits(start, end);
  }

  #textValue(start: number, end: number): void {
    this.#valueSrc = TEXT;
    this.#valueStart = start;
    this.#valueEnd = end;
    this.#valueUnits = end - start;
  }

  /** UTF-16 code units of a UTF-8 string of the body (checkWire checked it is
   * UTF-8), or not this path when JSON.stringify would escape a character of it. */
  #jsonSafeUnits(start: number, end: number): number {
    const body = this.#body;
    let units = 0;
    for (let i = start; i < end; i++) {
      const b = body[i]!;
      if (b < 0x20 || b === QUOTE || b === BACKSLASH) notScanned();
      if ((b & 0xc0) !== 0x80) units += b >= 0xf0 ? 2 : 1;
    }
    return units;
  }

  /** ASCII text into #text; returns where it is. */
  #writeText(text: string): [number, number] {
    if (this.#t + text.length > this.#text.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.#text.length, this.#t + text.length));
      this.#text.copy(grown, 0, 0, this.#t);
      this.#text = grown;
    }
    const start = this.#t;
    this.#t += this.#text.write(text, start, 'latin1');
    return [start, this.#t];
  }

  /** labels[name] = the value just read, the name given as a source and a range; returns the label's slot. */
  #set(labels: LabelList, nameSrc: number, nameStart: number, nameEnd: number): number {
    const slots = labels.slots;
    const count = labels.count;
    for (let i = 0; i < count; i++) {
      const s = i * LABEL_SLOTS;
      if (this.#sameName(slots, s, nameSrc, nameStart, nameEnd)) {
        this.#setValue(slots, s);
        return s;
      }
    }
    const s = labels.grow();
    const grown = labels.slots;
    grown[s + L.NameSrc] = nameSrc;
    grown[s + L.NameStart] = nameStart;
    grown[s + L.NameEnd] = nameEnd;
    this.#setValue(grown, s);
    // Insertion into the sorted positions (names are ASCII: byte order is UTF-16 order).
    const sorted = labels.sorted;
    let at = count;
    while (at > 0 && this.#compareNames(grown, sorted[at - 1]! * LABEL_SLOTS, s) > 0) {
      sorted[at] = sorted[at - 1]!;
      at--;
    }
    sorted[at] = count;
    labels.count = count + 1;
    return s;
  }

  #setValue(slots: Int32Array, s: number): void {
    slots[s + L.ValueSrc] = this.#valueSrc;
    slots[s + L.ValueStart] = this.#valueStart;
    slots[s + L.ValueEnd] = this.#valueEnd;
    slots[s + L.ValueUnits] = this.#valueUnits;
  }

  #bytes(src: number): Buffer {
    return src === BODY ? this.#body : this.#text;
  }

  #sameName(slots: Int32Array, s: number, src: number, start: number, end: number): boolean {
    const from = slots[s + L.NameStart]!;
    const length = slots[s + L.NameEnd]! - from;
    if (length !== end - start) return false;
    const a = this.#bytes(slots[s + L.NameSrc]!);
    const b = this.#bytes(src);
    for (let i = 0; i < length; i++) if (a[from + i] !== b[start + i]) return false;
    return true;
  }

  #compareNames(slots: Int32Array, s: number, t: number): number {
    const a = this.#bytes(slots[s + L.NameSrc]!);
    const b = this.#bytes(slots[t + L.NameSrc]!);
    const aStart = slots[s + L.NameStart]!;
    const bStart = slots[t + L.NameStart]!;
    const aLength = slots[s + L.NameEnd]! - aStart;
    const bLength = slots[t + L.NameEnd]! - bStart;
    const n = Math.min(aLength, bLength);
    for (let i = 0; i < n; i++) {
      const d = a[aStart + i]! - b[bStart + i]!;
      if (d !== 0) return d;
    }
    return aLength - bLength;
  }

  // --- The record: key name{a="1",…} (names sorted), value as recordJson writes it.

  #write(nameStart: number, nameEnd: number, suffix: Buffer | null, value: string, type: Buffer, timestamp: number, labels: LabelList): void {
    const slots = labels.slots;
    let labelBytes = 0;
    for (let i = 0; i < labels.count; i++) {
      const s = i * LABEL_SLOTS;
      labelBytes += slots[s + L.NameEnd]! - slots[s + L.NameStart]! + slots[s + L.ValueEnd]! - slots[s + L.ValueStart]! + 6;
    }
    const nameBytes = nameEnd - nameStart + (suffix === null ? 0 : suffix.length);
    this.#out.reserve(2 * (nameBytes + labelBytes) + value.length + 128);
    const start = this.#out.at;
    const body = this.#body;
    this.#out.copy(body, nameStart, nameEnd);
    if (suffix !== null) this.#out.copy(suffix, 0, suffix.length);
    if (labels.count > 0) {
      this.#out.byte(OPEN_BRACE);
      for (let j = 0; j < labels.count; j++) {
        const s = labels.sorted[j]! * LABEL_SLOTS;
        if (j > 0) this.#out.byte(COMMA);
        this.#out.copy(this.#bytes(slots[s + L.NameSrc]!), slots[s + L.NameStart]!, slots[s + L.NameEnd]!);
        this.#out.byte(EQUALS);
        this.#quoted(slots, s);
      }
      this.#out.byte(CLOSE_BRACE);
    }
    const keyEnd = this.#out.at;
    this.#out.copy(V_NAME, 0, V_NAME.length);
    this.#out.copy(body, nameStart, nameEnd);
    if (suffix !== null) this.#out.copy(suffix, 0, suffix.length);
    this.#out.copy(V_VALUE, 0, V_VALUE.length);
    this.#out.ascii(value);
    this.#out.copy(V_TYPE, 0, V_TYPE.length);
    this.#out.copy(type, 0, type.length);
    this.#out.copy(V_TIMESTAMP, 0, V_TIMESTAMP.length);
    this.#out.ascii(String(timestamp));
    this.#out.copy(V_LABELS, 0, V_LABELS.length);
    for (let i = 0; i < labels.count; i++) {
      const s = i * LABEL_SLOTS;
      if (i > 0) this.#out.byte(COMMA);
      this.#out.byte(QUOTE);
      this.#out.copy(this.#bytes(slots[s + L.NameSrc]!), slots[s + L.NameStart]!, slots[s + L.NameEnd]!);
      this.#out.byte(QUOTE);
      this.#out.byte(COLON);
      this.#quoted(slots, s);
    }
    this.#out.copy(V_END, 0, V_END.length);
    this.#record(start, keyEnd - start, this.#out.at - keyEnd);
  }

  #quoted(slots: Int32Array, s: number): void {
    this.#out.byte(QUOTE);
    this.#out.copy(this.#bytes(slots[s + L.ValueSrc]!), slots[s + L.ValueStart]!, slots[s + L.ValueEnd]!);
    this.#out.byte(QUOTE);
  }

  #record(start: number, keyBytes: number, valueBytes: number): void {
    const r = 3 * this.#count;
    if (r + 3 > this.#records.length) {
      const grown = new Int32Array(2 * this.#records.length);
      grown.set(this.#records);
      this.#records = grown;
    }
    this.#records[r] = start;
    this.#records[r + 1] = keyBytes;
    this.#records[r + 2] = valueBytes;
    this.#count++;
  }
}

function grow(values: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const grown = new Float64Array(2 * values.length);
  grown.set(values);
  return grown;
}

/** JSON.stringify(jsonNumber(value)) of native/metrics.ts. */
function jsonNumberText(value: number): string {
  if (Number.isFinite(value)) return String(value);
  return Number.isNaN(value) ? '"NaN"' : value > 0 ? '"+Inf"' : '"-Inf"';
}

/** Unix nanoseconds (unsigned 64 bits as two halves) → whole milliseconds,
 * exactly (nanosToMs of values.ts): 2^32 ns = 4294 ms + 967,296 ns. `rest` is
 * below 2^52, so exact, and so is its floored quotient: the quotient is below
 * 2^32, where half a double's spacing (2^-21) is less than the 10^-6 that
 * separates a non-integer quotient from the next integer. */
function nanosToMs(high: number, low: number): number {
  const rest = high * 967_296 + low;
  return high * 4294 + Math.floor(rest / 1e6);
}

/** protobufjs' sint32: a zigzag-encoded 32-bit varint. */
function zigzag32(value: number): number {
  return (value >>> 1) ^ -(value & 1) | 0;
}

/** A uint64 varint [start, end) as the nearest double (Number of the BigInt). */
function uint64Varint(body: Buffer, start: number, end: number): number {
  if (end - start <= 7) {
    let value = 0;
    for (let i = start, scale = 1; i < end; i++, scale *= 128) value += (body[i]! & 0x7f) * scale;
    return value; // < 2^49: exact
  }
  let value = 0n;
  for (let i = end - 1; i >= start; i--) value = (value << 7n) | BigInt(body[i]! & 0x7f);
  return Number(BigInt.asUintN(64, value));
}

/** An int64 varint's decimal text (int64ToBigInt(…).toString() of values.ts);
 * [start, end) is the varint. */
function int64Text(body: Buffer, start: number, end: number): string {
  if (end - start <= 7) {
    let value = 0;
    for (let i = start, scale = 1; i < end; i++, scale *= 128) value += (body[i]! & 0x7f) * scale;
    return String(value); // < 2^49: exact
  }
  let value = 0n;
  for (let i = end - 1; i >= start; i--) value = (value << 7n) | BigInt(body[i]! & 0x7f);
  return BigInt.asIntN(64, value).toString();
}
