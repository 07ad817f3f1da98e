// The `_bulk` answer: one item per action, in request order, keyed by the
// action's name (clients find an item's operation as its only key; the 9.x JS
// bulk helper pairs `delete` items with one body line and others with two).
//
// What clients read from it: Fluent Bit 5.1.1 wants status 200/201 and a
// non-empty JSON body with `"errors":false` (else it looks at items); Filebeat
// and the JS bulk helper read `errors`, then each item's `status` (429 is
// retried, other 4xx dropped) and `error`. The remaining fields are those
// Elasticsearch sends, so that strict decoders (the Java client's
// BulkResponseItem needs `_index` and `status`) are content: `_version`,
// `_seq_no` and `_primary_term` are placeholders (1, the item's position, 1),
// `_shards` reports the one copy Kafka acknowledged. `_id` is present only
// when the action named one: none is generated.
import type { BulkDocument, BulkItemError } from './bulk';
import type { EsErrorCause } from './errors';

/** What the answer needs of an item: a written document's action, index and
 * id, or the item's error. Plain data, so it can cross from a worker. */
export type BulkItemOutcome = Pick<BulkDocument, 'kind' | 'action' | 'index' | 'id'> | BulkItemError;

export interface BulkAnswerItemBody {
  readonly _index: string;
  readonly _id?: string;
  readonly status: number;
  readonly _version?: number;
  readonly result?: 'created';
  readonly _shards?: { readonly total: number; readonly successful: number; readonly failed: number };
  readonly _seq_no?: number;
  readonly _primary_term?: number;
  readonly error?: EsErrorCause;
}

export type BulkAnswerItem = Readonly<Record<string, BulkAnswerItemBody>>;

export interface BulkAnswer {
  readonly took: number;
  readonly errors: boolean;
  readonly items: readonly BulkAnswerItem[];
}

function itemBody(item: BulkItemOutcome, position: number): BulkAnswerItemBody {
  const id = item.id === undefined ? {} : { _id: item.id };
  if (item.kind === 'error') return { _index: item.index ?? '', ...id, status: item.status, error: item.error };
  return {
    _index: item.index, ...id, _version: 1, result: 'created',
    _shards: { total: 1, successful: 1, failed: 0 }, _seq_no: position, _primary_term: 1, status: 201,
  };
}

/** The answer once every document item is in Kafka; `tookMs` is the request's time. */
export function bulkAnswer(items: readonly BulkItemOutcome[], tookMs: number): BulkAnswer {
  return {
    took: Math.max(0, Math.round(tookMs)),
    errors: items.some((item) => item.kind === 'error'),
    items: items.map((item, position) => ({ [item.action]: itemBody(item, position) })),
  };
}

/** The answer's `items` as JSON text: JSON.stringify(bulkAnswer(items, 0).items),
 * with each written document's item put together as text. A worker renders
 * it when it decodes the request, so that the main thread, which answers,
 * neither receives one object per item nor stringifies them (1,600 items
 * cost it about 2.5 ms both ways, 1 µs and more per document). */
export function bulkItemsText(items: readonly BulkItemOutcome[]): string {
  let text = '[';
  let index: string | undefined;
  let indexText = '';
  for (let position = 0; position < items.length; position++) {
    const item = items[position]!;
    if (position > 0) text += ',';
    if (item.kind === 'error') {
      text += JSON.stringify({ [item.action]: itemBody(item, position) });
      continue;
    }
    if (item.index !== index) {
      index = item.index;
      indexText = JSON.stringify(index);
    }
    const id = item.id === undefined ? '' : `,"_id":${JSON.stringify(item.id)}`;
    text += `{"${item.action}":{"_index":${indexText}${id},"_version":1,"result":"created",`
      + `"_shards":{"total":1,"successful":1,"failed":0},"_seq_no":${position},"_primary_term":1,"status":201}}`;
  }
  return text + ']';
}

/** JSON.stringify(bulkAnswer(items, tookMs)) from bulkItemsText(items). */
export function bulkAnswerText(itemsText: string, errors: boolean, tookMs: number): string {
  return `{"took":${Math.max(0, Math.round(tookMs))},"errors":${errors},"items":${itemsText}}`;
}
