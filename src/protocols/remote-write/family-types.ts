// Metric family types remembered from remote_write 1.0 metadata, shared by
// every decoding thread. 1.0 senders (Prometheus, the OpenTelemetry
// Collector's prometheusremotewrite exporter with send_metadata) send metadata
// in requests of their own, apart from the samples; those requests may be
// decoded by one pool worker (or the main thread) and the samples by another,
// so the types live in shared memory: a fixed table of FAMILY_SLOTS Int32
// slots, created once by the pool and handed to each thread in its
// WorkerData, like the partition table.
//
// A family's slot is picked by one 32-bit hash of its name; the slot holds 29
// bits of a second hash (to tell families apart) and the type, in one Int32,
// so a slot is written and read with one atomic access and never seen torn.
// Bounded by construction: a family whose slot holds another family replaces
// it (the newer metadata wins; the older family's samples go back to their
// default type until its metadata comes again — senders resend it every
// minute) and the replacement is counted (`replaced`). A name that hashes like
// a remembered family on both hashes (about 1 in 2^29 per lookup of an
// occupied slot) takes that family's type.

export type FamilyType = 'gauge' | 'counter' | 'histogram' | 'summary';

/** Slots in the table (a power of two): 256 KiB. */
export const FAMILY_SLOTS = 65_536;
/** Int32 0 counts replacements; the slots follow. */
const REPLACED = 0;
const FIRST_SLOT = 1;

const TYPE_CODES: Readonly<Record<FamilyType, number>> = { counter: 1, gauge: 2, histogram: 3, summary: 4 };
const TYPES_BY_CODE: ReadonlyArray<FamilyType | undefined> = [undefined, 'counter', 'gauge', 'histogram', 'summary'];
const TYPE_BITS = 0b111;

/** Series name suffixes and the family types they belong to. */
const SUFFIXES: ReadonlyArray<readonly [string, ReadonlySet<FamilyType>]> = [
  ['_total', new Set<FamilyType>(['counter'])],
  ['_created', new Set<FamilyType>(['counter', 'histogram', 'summary'])],
  ['_bucket', new Set<FamilyType>(['histogram'])],
  ['_sum', new Set<FamilyType>(['histogram', 'summary'])],
  ['_count', new Set<FamilyType>(['histogram', 'summary'])],
];

/**
 * The type of a series name, given how to look a family up: its family's
 * type when the name is a family (e.g. `http_requests_total` sent as the
 * family name), else the family the name's suffix points to (`x_bucket` →
 * histogram x), else undefined.
 */
export function seriesTypeOf(seriesName: string, family: (name: string) => FamilyType | undefined): FamilyType | undefined {
  const exact = family(seriesName);
  if (exact !== undefined) return exact;
  for (const [suffix, allowed] of SUFFIXES) {
    if (!seriesName.endsWith(suffix)) continue;
    const type = family(seriesName.slice(0, -suffix.length));
    if (type !== undefined && allowed.has(type)) return type;
  }
  return undefined;
}

/** Two independent 32-bit hashes of a string's UTF-16 units (cyrb53's mixing). */
function hashes(text: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ unit, 2654435761);
    h2 = Math.imul(h2 ^ unit, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

export class FamilyTypeTable {
  readonly #words: Int32Array;

  constructor(readonly shared: SharedArrayBuffer = new SharedArrayBuffer(4 * (FIRST_SLOT + FAMILY_SLOTS))) {
    if (shared.byteLength !== 4 * (FIRST_SLOT + FAMILY_SLOTS)) {
      throw new RangeError(`a family type table takes ${4 * (FIRST_SLOT + FAMILY_SLOTS)} bytes, not ${shared.byteLength}`);
    }
    this.#words = new Int32Array(shared);
  }

  /** Families whose slot was taken by another family since start. */
  get replaced(): number {
    return Atomics.load(this.#words, REPLACED);
  }

  /** Remembers a family's type (the newest metadata wins). */
  remember(family: string, type: FamilyType): void {
    if (family === '') return;
    const [slotHash, checkHash] = hashes(family);
    const slot = FIRST_SLOT + (slotHash & (FAMILY_SLOTS - 1));
    const word = (checkHash & ~TYPE_BITS) | TYPE_CODES[type];
    const previous = Atomics.exchange(this.#words, slot, word);
    if (previous !== 0 && (previous & ~TYPE_BITS) !== (word & ~TYPE_BITS)) Atomics.add(this.#words, REPLACED, 1);
  }

  /** The type remembered for a family name, or undefined. */
  familyType(family: string): FamilyType | undefined {
    const [slotHash, checkHash] = hashes(family);
    const word = Atomics.load(this.#words, FIRST_SLOT + (slotHash & (FAMILY_SLOTS - 1)));
    if (word === 0 || (word & ~TYPE_BITS) !== (checkHash & ~TYPE_BITS)) return undefined;
    return TYPES_BY_CODE[word & TYPE_BITS];
  }

  /** The type of a series name (see seriesTypeOf). */
  typeOf(seriesName: string): FamilyType | undefined {
    return seriesTypeOf(seriesName, (family) => this.familyType(family));
  }
}

const PROTO_TYPES: Readonly<Record<number, FamilyType>> = { 1: 'counter', 2: 'gauge', 3: 'histogram', 4: 'histogram', 5: 'summary' };

/** The family type of a MetricMetadata.type (the same numbers in 1.0 and 2.0); undefined for unknown, info, stateset. */
export function familyTypeOf(protoType: number): FamilyType | undefined {
  return PROTO_TYPES[protoType];
}
