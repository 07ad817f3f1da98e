// The walk logs and spans share: items grouped by resource and scope, each
// group's resource and scope rendered once, each item normalized on its own,
// a refused item (or a whole group whose resource or scope is refused)
// counted for partial_success while the rest go on.
import { DecodeError } from '../decode-error';
import type { Rejections } from './outcome';
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

export function scopeToJson(scope: Scope | null, maxDepth: number): JsonObject {
  return { name: scope?.name ?? '', version: scope?.version ?? '', attributes: attributesToJson(scope?.attributes ?? [], maxDepth) };
}

/** Refuses the request (413) when its groups hold more than maxItems items. */
export function checkItemCount(groups: ReadonlyArray<ScopeGroup<unknown>>, maxItems: number, what: string): number {
  const count = groups.reduce((n, g) => n + g.items.length, 0);
  if (count > maxItems) throw new DecodeError(413, 'too_many_records', `request holds ${count} ${what}; the limit is ${maxItems}`);
  return count;
}

/** Calls write(item, context) for every item; write throws RejectedItem to
 * refuse one, which is counted as "<label> <position in the request>: why". */
export function eachItem<T>(
  groups: ReadonlyArray<ScopeGroup<T>>, maxDepth: number, rejections: Rejections, label: string,
  write: (item: T, context: ItemContext) => void,
): void {
  let position = 0;
  for (const group of groups) {
    let context: ItemContext;
    try {
      context = { resource: attributesToJson(group.resource?.attributes ?? [], maxDepth), scope: scopeToJson(group.scope, maxDepth) };
    } catch (err) {
      if (!(err instanceof RejectedItem)) throw err;
      rejections.add(group.items.length, `resource or scope of ${label}s ${position}–${position + group.items.length - 1}: ${err.message}`);
      position += group.items.length;
      continue;
    }
    for (const item of group.items) {
      try {
        write(item, context);
      } catch (err) {
        if (!(err instanceof RejectedItem)) throw err;
        rejections.add(1, `${label} ${position}: ${err.message}`);
      }
      position++;
    }
  }
}
