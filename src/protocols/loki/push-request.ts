// A Loki push request as both wire formats carry it, before validation: each
// stream's labels (still text in protobuf, an object in JSON) and its entries
// with the timestamp as exact nanoseconds.

export interface PushEntry {
  readonly timestampNs: bigint;
  readonly line: string;
  readonly metadata: ReadonlyArray<readonly [name: string, value: string]>;
}

export type StreamLabels =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'pairs'; readonly pairs: ReadonlyArray<readonly [string, string]> };

export interface PushStream {
  readonly labels: StreamLabels;
  readonly entries: readonly PushEntry[];
}

/** The largest timestamp a Loki entry can carry (int64 nanoseconds). */
export const MAX_TIMESTAMP_NS = (1n << 63n) - 1n;
