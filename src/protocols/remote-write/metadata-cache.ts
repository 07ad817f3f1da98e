// Metric family types remembered from remote_write 1.0 metadata. 1.0 senders
// (Prometheus, the OpenTelemetry Collector's prometheusremotewrite exporter
// with send_metadata) often send metadata in requests of their own, apart from
// the samples, so a decoder that only looks at the request in hand types every
// sample gauge. Bounded: past maxEntries the least recently set family goes.

export type FamilyType = 'gauge' | 'counter' | 'histogram' | 'summary';

/** Series name suffixes and the family types they belong to. */
const SUFFIXES: ReadonlyArray<readonly [string, ReadonlySet<FamilyType>]> = [
  ['_total', new Set<FamilyType>(['counter'])],
  ['_created', new Set<FamilyType>(['counter', 'histogram', 'summary'])],
  ['_bucket', new Set<FamilyType>(['histogram'])],
  ['_sum', new Set<FamilyType>(['histogram', 'summary'])],
  ['_count', new Set<FamilyType>(['histogram', 'summary'])],
];

export class MetadataCache {
  private readonly types = new Map<string, FamilyType>();

  constructor(private readonly maxEntries: number) {
    if (!(Number.isSafeInteger(maxEntries) && maxEntries > 0)) throw new RangeError(`maxEntries must be a positive integer, not ${maxEntries}`);
  }

  get size(): number {
    return this.types.size;
  }

  /** Remembers a family's type; setting a family again makes it the newest. */
  remember(family: string, type: FamilyType): void {
    if (family === '') return;
    this.types.delete(family);
    this.types.set(family, type);
    if (this.types.size > this.maxEntries) this.types.delete(this.types.keys().next().value!);
  }

  /**
   * The type of a series name: its family's type when the name is a family
   * (e.g. `http_requests_total` sent as the family name), else the family
   * the name's suffix points to (`x_bucket` → histogram x), else undefined.
   */
  typeOf(seriesName: string): FamilyType | undefined {
    const exact = this.types.get(seriesName);
    if (exact !== undefined) return exact;
    for (const [suffix, allowed] of SUFFIXES) {
      if (!seriesName.endsWith(suffix)) continue;
      const family = this.types.get(seriesName.slice(0, -suffix.length));
      if (family !== undefined && allowed.has(family)) return family;
    }
    return undefined;
  }
}

const PROTO_TYPES: Readonly<Record<number, FamilyType>> = { 1: 'counter', 2: 'gauge', 3: 'histogram', 4: 'histogram', 5: 'summary' };

/** The family type of a MetricMetadata.type (the same numbers in 1.0 and 2.0); undefined for unknown, info, stateset. */
export function familyTypeOf(protoType: number): FamilyType | undefined {
  return PROTO_TYPES[protoType];
}
