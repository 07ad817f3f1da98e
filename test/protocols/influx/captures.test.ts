// Line protocol as real clients sent it (captured requests), parsed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLineProtocol, parsePrecision, type InfluxApi } from '../../../src/protocols/influx/line-protocol';
import { capturedRequests, type CapturedRequest } from '../../support/client-captures';

const limits = { maxNameLength: 256, maxLabelsPerRecord: 64, maxLabelNameLength: 128, maxLabelValueLength: 2048, maxRecordsPerRequest: 100_000 };

function parseCapture(request: CapturedRequest, api: InfluxApi) {
  const precision = parsePrecision(request.url.searchParams.get('precision') ?? undefined, api);
  return parseLineProtocol(request.body, precision, 0, limits);
}

describe('Fluent Bit 5.1.1 influxdb output', () => {
  it('v1 /write?db=telegraf&precision=n: every line parses, nanosecond timestamps kept exactly', () => {
    const requests = capturedRequests('fluent-bit-5.1.1', 'write-');
    assert.equal(requests.length, 3);
    let seq = 0;
    for (const request of requests) {
      assert.equal(request.url.pathname, '/write');
      assert.equal(request.url.searchParams.get('db'), 'telegraf');
      const result = parseCapture(request, 'v1');
      assert.equal(result.firstBadLine, undefined, request.file);
      for (let i = 0; i < result.points.length; i += 2) {
        const [idle, procs] = [result.points[i]!, result.points[i + 1]!];
        assert.deepEqual([idle.name, idle.value, procs.name, procs.value], ['t.influx1_cpu_idle', 97.5, 't.influx1_procs', 12]);
        assert.deepEqual(idle.labels, { _seq: String(seq++), state: 'ok' });
        assert.match(idle.timestampNs, /^1796580\d{12}$/);
        assert.equal(idle.timestamp, Number(idle.timestampNs.slice(0, -6)));
      }
    }
    assert.equal(seq, 11);
  });

  it('v2 /api/v2/write?org&bucket&precision=ns with a token: every line parses', () => {
    const requests = capturedRequests('fluent-bit-5.1.1', 'api_v2_write-');
    assert.equal(requests.length, 3);
    const points = requests.flatMap((request) => {
      assert.equal(request.headers['authorization'], 'Token secret-token');
      assert.equal(request.url.searchParams.get('bucket'), 'mybucket');
      const result = parseCapture(request, 'v2');
      assert.equal(result.firstBadLine, undefined, request.file);
      return result.points;
    });
    assert.equal(points.length, 22);
    assert.deepEqual(new Set(points.map((p) => p.name)), new Set(['t.influx2_mem_used', 't.influx2_swap']));
    assert.deepEqual(points.filter((p) => p.name === 't.influx2_swap').map((p) => p.labels['_seq']), Array.from({ length: 11 }, (_, i) => String(i)));
  });
});
