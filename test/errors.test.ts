// The error catalogue (src/errors.ts) and the "Responses by code" table of
// docs/protocols.md must say the same: every code once, with the same status,
// Retry-After rule, gRPC code and meaning.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ERRORS, statusOf, type ErrorCode } from '../src/errors';

const PROTOCOLS = readFileSync(path.resolve(__dirname, '../../docs/protocols.md'), 'utf8');

interface Row { code: string; status: number; retriable: boolean; grpc: number; meaning: string }

function documentedRows(): Row[] {
  const start = PROTOCOLS.indexOf('### Responses by code');
  assert.ok(start >= 0, 'docs/protocols.md has a "Responses by code" section');
  const lines = PROTOCOLS.slice(start).split('\n');
  const header = lines.findIndex((l) => l.startsWith('| code |'));
  assert.ok(header >= 0, 'the section has a table');
  const rows: Row[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    assert.equal(cells.length, 5, `five cells: ${line}`);
    const [code, status, retry, grpc, meaning] = cells as [string, string, string, string, string];
    assert.match(retry, /^(yes|no)$/, line);
    rows.push({ code: code.replace(/`/g, ''), status: Number(status), retriable: retry === 'yes', grpc: Number.parseInt(grpc, 10), meaning });
  }
  return rows;
}

describe('error catalogue', () => {
  it('the docs/protocols.md table lists every code of src/errors.ts once, with the same status, Retry-After, gRPC code and meaning', () => {
    const rows = documentedRows();
    const catalogue = Object.entries(ERRORS).map(([code, e]) => ({ code, status: e.status, retriable: e.retriable, grpc: e.grpc, meaning: e.meaning }));
    assert.deepEqual(rows.map((r) => r.code).sort(), catalogue.map((c) => c.code).sort(), 'the same codes');
    assert.equal(new Set(rows.map((r) => r.code)).size, rows.length, 'no code twice');
    for (const row of rows) assert.deepEqual(row, catalogue.find((c) => c.code === row.code));
  });

  it('keeps the wire as it was: Retry-After exactly on 503, 504 and 429', () => {
    for (const [code, e] of Object.entries(ERRORS)) {
      assert.equal(e.retriable, [503, 504, 429].includes(e.status), code);
    }
  });

  it('gRPC codes follow the HTTP status as gRPC-gateway maps them', () => {
    const byStatus: Record<number, number> = { 400: 3, 422: 3, 411: 3, 413: 3, 415: 3, 401: 16, 403: 7, 404: 5, 405: 12, 408: 4, 504: 4, 429: 8, 503: 14, 500: 13 };
    for (const [code, e] of Object.entries(ERRORS)) assert.equal(e.grpc, byStatus[e.status], code);
  });

  it('malformed_json is merged into invalid_json (issue 13: one failure, one name on every route)', () => {
    assert.ok(!('malformed_json' in ERRORS));
    assert.equal(statusOf('invalid_json' satisfies ErrorCode), 400);
  });
});
