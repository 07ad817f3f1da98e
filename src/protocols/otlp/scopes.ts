// The walk logs and spans share: items grouped by resource and scope, each
// group's resource and scope rendered once, each item normalized on its own,
// a refused item (or a whole group whose resource or scope is refused)
// counted for partial_success while the rest go on.
import { DecodeError } from '../../decode/decode-error';
import { Rejections, type Outcome } from './outcome';
import { attributesToJson, RejectedItem, type JsonValue, type Resource, type Scope } from './values';

export type JsonObject = { [key: string]: JsonValue };

export interface ScopeGroup<T> {
  readonly resource: Resource | null;
  readonly scope: Scope | null;
  readonly items: readonly T[];
}

export interface ItemContext {
  readonly resource: JsonObject;
  readonly scope: JsonObject;
}

function scopeToJson(scope: Scope | null, maxDepth: number): JsonObject {
  return { name: scope?.name ?? '', version: scope?.version ?? '', attributes: attributesToJson(scope?.attributes ?? [], maxDepth) };
}

export function itemCount(groups: ReadonlyArray<ScopeGroup<unknown>>): number {
  return groups.reduce((n, g) => n + g.items.length, 0);
}

export interface GroupLimits {
  /** More items than this refuses the request (413). */
  readonly maxItems: number;
  readonly maxDepth: number;
}

/**
 * Calls write(item, context, index) for every item, index counting the records
 * written so far; write throws RejectedItem to refuse one item, counted as
 * "<label> <position in the request>: why".
 */
export function normalizeGroups<T>(
  groups: ReadonlyArray<ScopeGroup<T>>, limits: GroupLimits, label: string,
  write: (item: T, context: ItemContext, index: number) => void,
): Outcome {
  const items = itemCount(groups);
  if (items > limits.maxItems) throw new DecodeError('too_many_records', `request holds ${items} ${label}s; the limit is ${limits.maxItems}`);
  const rejections = new Rejections();
  let records = 0;
  let position = 0;
  for (const group of groups) {
    let context: ItemContext;
    try {
      context = { resource: attributesToJson(group.resource?.attributes ?? [], limits.maxDepth), scope: scopeToJson(group.scope, limits.maxDepth) };
    } catch (err) {
      if (!(err instanceof RejectedItem)) throw err;
      rejections.add(group.items.length, `resource or scope of ${label}s ${position}–${position + group.items.length - 1}: ${err.message}`);
      position += group.items.length;
      continue;
    }
    for (const item of group.items) {
      try {
        write(item, context, records);
        records++;
      } catch (err) {
        if (!(err instanceof RejectedItem)) throw err;
        rejections.add(1, `${label} ${position}: ${err.message}`);
      }
      position++;
    }
  }
  return { records, items, rejections };
}
