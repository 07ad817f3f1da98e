// What collectd 5.12 (Debian 12's collectd-core) sent with write_http, parsed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { looksLikePutval, parsePutval } from '../../../src/protocols/collectd/command';
import { isCollectdJson, parseCollectdJson } from '../../../src/protocols/collectd/json';
import { capturedRequests } from '../../support/client-captures';

const limits = { maxNameLength: 256, maxLabelsPerRecord: 64, maxLabelNameLength: 128, maxLabelValueLength: 2048, maxRecordsPerRequest: 100_000 };

describe('collectd 5.12.0 write_http', () => {
  const json = capturedRequests('collectd-5.12.0', 'collectd-');
  const command = capturedRequests('collectd-5.12.0', 'collectd_command-');

  it('Format "JSON": application/json bodies that parse whole, with counters and gauges', () => {
    assert.equal(json.length, 3);
    const names = new Set<string>();
    for (const request of json) {
      assert.equal(request.headers['content-type'], 'application/json');
      const text = request.body.toString('utf8');
      assert.equal(isCollectdJson(JSON.parse(text)), true);
      const result = parseCollectdJson(text, 0, limits);
      assert.equal(result.badEntries, 0, `${request.file}: ${JSON.stringify(result.firstBadEntry)}`);
      assert.ok(result.points.length > 0);
      for (const point of result.points) names.add(`${point.name} ${point.type}`);
    }
    for (const expected of ['collectd_memory gauge', 'collectd_load_shortterm gauge', 'collectd_interface_if_octets_rx_total counter', 'collectd_cpu_total counter']) {
      assert.ok(names.has(expected), `${expected} in ${[...names].join(', ')}`);
    }
  });

  it('Format "Command": text/plain PUTVAL lines (CRLF) that give the same points as the JSON of the same values', () => {
    assert.equal(command.length, 3);
    for (const request of command) {
      assert.equal(request.headers['content-type'], 'text/plain');
      assert.equal(looksLikePutval(request.body), true);
      assert.ok(request.body.includes('\r\n'), 'collectd ends PUTVAL lines with CRLF');
      const result = parsePutval(request.body.toString('utf8'), 0, limits);
      assert.equal(result.badEntries, 0, `${request.file}: ${JSON.stringify(result.firstBadEntry)}`);
      assert.ok(result.points.length > 0);
    }
    // Both nodes flushed the same value lists in the first request.
    const key = (p: { name: string; value: number; type: string; timestamp: number; labels: Record<string, string> }): string => JSON.stringify([p.name, p.value, p.type, p.timestamp, p.labels]);
    const fromJson = new Set(parseCollectdJson(json[0]!.body.toString('utf8'), 0, limits).points.map(key));
    const fromCommand = parsePutval(command[0]!.body.toString('utf8'), 0, limits).points.map(key);
    const shared = fromCommand.filter((p) => fromJson.has(p));
    assert.ok(shared.length >= 10, `only ${shared.length} of ${fromCommand.length} PUTVAL points match the JSON ones`);
  });
});
