// The HEC event route's decoder: each log record's Kafka key is the series
// key of its source's identity (host, source, sourcetype present), else the
// client.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSchema } from '../../../src/config/schema';
import { seriesKey } from '../../../src/decode/series-key';
import type { RecordSink } from '../../../src/decode/sink';
import { createHecEventDecoder } from '../../../src/protocols/splunk-hec/decoder';

const CLIENT = '203.0.113.7';
const DEFAULTS = configSchema.parse({});

class KeySink implements RecordSink {
  readonly keys: Array<string | null> = [];
  append(_topic: number, _index: number, key: string | null): void {
    this.keys.push(key);
  }
}

describe('splunk hec decoder: log record keys', () => {
  it('is seriesKey of the source fields present, or the client when none is', () => {
    const decode = createHecEventDecoder({
      limits: DEFAULTS.limits, maxDecompressedBytes: 1 << 20, maxDecodedBytes: 1 << 22, logKeyField: '',
      otlpEncoding: DEFAULTS.otlp.encoding, familyTypes: new SharedArrayBuffer(0),
    });
    const values = { host: 'web-1', source: 'a "quoted"\\path', sourcetype: 'é\n' };
    const names = Object.keys(values) as Array<keyof typeof values>;
    for (let subset = 0; subset < 1 << names.length; subset++) {
      const present = Object.fromEntries(names.filter((_, i) => (subset & (1 << i)) !== 0).map((n) => [n, values[n]]));
      const sink = new KeySink();
      const body = Buffer.from(JSON.stringify({ ...present, event: 'x' }));
      decode({ body, contentType: 'application/json', contentEncoding: '', receivedAtMs: 1, client: CLIENT, path: '/services/collector', query: '', headers: {} },
        sink, { message: () => assert.fail('no direct messages') });
      assert.deepEqual(sink.keys, [Object.keys(present).length === 0 ? CLIENT : seriesKey('', present)], JSON.stringify(present));
    }
  });
});
