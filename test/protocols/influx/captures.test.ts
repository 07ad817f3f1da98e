// Line protocol as real clients sent it (captured requests), parsed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queryAnswer } from '../../../src/protocols/influx/answers';
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

describe('Telegraf 1.37.2', () => {
  const client = 'telegraf-1.37.2';

  it('outputs.influxdb starts with POST /query q=CREATE DATABASE (form-encoded), which queryAnswer takes', () => {
    const [query] = capturedRequests(client, 'query-');
    assert.equal(query!.headers['content-type'], 'application/x-www-form-urlencoded');
    const q = new URLSearchParams(query!.body.toString('utf8')).get('q');
    assert.equal(q, 'CREATE DATABASE "telegraf"');
    assert.equal(queryAnswer(q!).status, 200);
  });

  const outputs: Array<[string, string, InfluxApi, string | undefined]> = [
    ['outputs.influxdb (v1, gzip, chunked)', 'write-', 'v1', 'gzip'],
    ['outputs.influxdb_v2 (gzip, token)', 'api_v2_write-', 'v2', 'gzip'],
    ['outputs.http (data_format influx, to /metrics)', 'metrics-', 'v1', undefined],
  ];
  for (const [title, prefix, api, encoding] of outputs) {
    it(`${title}: every line parses; cpu/mem/file metrics typed and labelled, string and boolean fields kept`, () => {
      const requests = capturedRequests(client, prefix);
      assert.equal(requests.length, 3);
      for (const request of requests) {
        assert.equal(request.headers['content-type'], 'text/plain; charset=utf-8');
        assert.equal(request.headers['content-encoding'], encoding);
        const result = parseCapture(request, api);
        assert.equal(result.firstBadLine, undefined, `${request.file}: ${JSON.stringify(result.firstBadLine)}`);
        const byName = new Map(result.points.map((p) => [p.name, p]));
        assert.deepEqual(byName.get('mem_total')?.labels, { host: 'capture-host' });
        assert.ok(byName.get('mem_total')!.value > 0);
        assert.deepEqual(byName.get('weather_temperature'), {
          name: 'weather_temperature', value: 82.5, type: 'gauge',
          timestamp: byName.get('weather_temperature')!.timestamp, timestampNs: byName.get('weather_temperature')!.timestampNs,
          labels: { host: 'capture-host', location: 'us midwest', station: 'a,1' },
        });
        assert.equal(byName.get('weather_humidity')?.value, 71);
        assert.equal(byName.get('weather_raining')?.value, 0);
        assert.equal(byName.get('disk io_ok')?.value, 1);
        assert.deepEqual(result.strings.map((s) => [s.name, s.value]).slice(0, 1), [['weather_note', 'light "breeze"']]);
        assert.ok(result.points.every((p) => p.timestampNs.endsWith('000000000')), 'Telegraf sends whole seconds in ns at a 1 s interval');
      }
    });
  }

  it('outputs.influxdb_v2 names its org and bucket in the query and sends no precision (ns)', () => {
    const [request] = capturedRequests(client, 'api_v2_write-');
    assert.equal(request!.url.searchParams.get('org'), 'myorg');
    assert.equal(request!.url.searchParams.get('bucket'), 'mybucket');
    assert.equal(request!.url.searchParams.get('precision'), null);
    assert.equal(request!.headers['authorization'], 'Token secret-token');
  });
});
