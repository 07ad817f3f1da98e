// The memory ceiling (src/config/memory.ts) and the "Memory bound" table of
// docs/operations.md: the figures it quotes for the defaults on 2 cores are
// the ones the code computes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load';
import { memoryBudget } from '../../src/config/memory';
import { producerProperties } from '../../src/produce/producer';
import { READ_CHUNK_BYTES } from '../../src/spool/replay';

const OPERATIONS = readFileSync(path.resolve(__dirname, '../../../docs/operations.md'), 'utf8');
const MiB = 2 ** 20;

/** "| what | bound | default |" rows of the Memory bound table, by their first cell. */
function documentedTable(): Map<string, string> {
  const start = OPERATIONS.indexOf('## Memory bound');
  assert.ok(start >= 0, 'docs/operations.md has a "Memory bound" section');
  const rows = new Map<string, string>();
  for (const line of OPERATIONS.slice(start).split('\n').slice(1)) {
    if (line.startsWith('#')) break;
    if (!line.startsWith('| ') || line.startsWith('| what') || line.startsWith('|---')) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    rows.set(cells[0]!, cells[2]!);
  }
  return rows;
}

function mib(text: string | undefined): number {
  const m = /([\d.]+) MiB/.exec(text ?? '');
  assert.ok(m, `a MiB figure: ${text}`);
  return Number(m[1]);
}

describe('memory ceiling', () => {
  const config = loadConfig({ env: { METRICSTREAM_WORKERS: '2' } });
  const queueKbytes = Number(producerProperties(config)['queue.buffering.max.kbytes']);
  const sizes = { producerQueueKbytes: queueKbytes, spoolReadChunkBytes: READ_CHUNK_BYTES };
  const budget = memoryBudget(config, sizes);
  const table = documentedTable();

  it('each documented row is what memoryBudget computes for the defaults on 2 cores', () => {
    assert.equal(mib(table.get('runtime (main isolate, librdkafka, uWS)')), Math.round(budget.runtime / MiB));
    assert.equal(mib(table.get('request bodies being read or decoded: the body arena, and bodies it has no room for')), Math.round(budget.bodies / MiB));
    assert.equal(mib(table.get('worker isolates')), Math.round(budget.workers / MiB));
    assert.equal(mib(table.get('rings')), Math.round(budget.rings / MiB));
    assert.equal(mib(table.get('librdkafka queue')), Math.round(budget.producerQueue / MiB));
    assert.equal(mib(table.get('messages in flight')), Math.round(budget.inFlight / MiB));
    assert.equal(mib(table.get('idempotency keys remembered ([docs/dedup.md](dedup.md))')), Math.round(budget.dedup / MiB));
  });

  it('the total documented is the sum the daemon logs (memoryCeilingMiB)', () => {
    const total = [...table.entries()].find(([what]) => what.startsWith('total ceiling'))?.[1];
    assert.equal(mib(total), Math.round(budget.total / MiB));
  });

  it('every part scales with its setting', () => {
    const bigger = loadConfig({ env: { METRICSTREAM_WORKERS: '4', METRICSTREAM_KAFKA_MAX_IN_FLIGHT_MESSAGES: '400000' } });
    const b = memoryBudget(bigger, sizes);
    assert.equal(b.rings, 6 * config.pool.ringBytes);
    assert.equal(b.workers, 2 * budget.workers);
    assert.equal(b.inFlight, 2 * budget.inFlight);
    assert.equal(memoryBudget(config, { ...sizes, producerQueueKbytes: undefined }).producerQueue, 1_048_576 * 1024, 'librdkafka\'s default when unset');
  });
});
