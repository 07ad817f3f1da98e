// The route table's entry for a path, failing the test when there is none.
import assert from 'node:assert/strict';
import { ROUTE_BY_PATH, type RouteSpec } from '../../src/protocols/routes';

export function routeAt(path: string): RouteSpec {
  const spec = ROUTE_BY_PATH.get(path);
  assert.ok(spec, `a route at ${path}`);
  return spec;
}
