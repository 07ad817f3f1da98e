// HEC requests captured from Splunk's npm library, splunk-logging 0.11.1:
// `/services/collector/event/1.0`, a form-urlencoded Content-Type over a
// JSON event, `time` as a string of seconds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHecEvents, hecText, hecToken, type HecLogRecord } from '../../../src/protocols/splunk-hec';
import { capturedRequests } from '../../support/client-captures';

describe('splunk hec: splunk-logging 0.11.1', () => {
  const client = 'splunk-logging-0.11.1';
  const records = capturedRequests(client, 'services_collector_event_1_0-').map((request) => {
    assert.equal(request.url.pathname, '/services/collector/event/1.0');
    assert.deepEqual(hecToken(request.headers['authorization']), { ok: true, token: '00000000-0000-0000-0000-000000000000' });
    const decoded = decodeHecEvents(hecText(request.body), { receivedAtMs: 0, defaults: {}, channel: undefined, maxDepth: 16 }, { maxRecords: 10, maxEventBytes: 4096 });
    assert.equal(decoded.length, 1);
    return (decoded[0]!.kind === 'log' ? decoded[0]!.record : assert.fail('expected a log')) as HecLogRecord;
  });

  it('decodes each event with its string time to the millisecond and its metadata', () => {
    assert.equal(records.length, 2);
    assert.deepEqual(records[0]!.body, { message: { text: 'splunk-logging event 1', level: 'info' }, severity: 'info' });
    assert.deepEqual(records[1]!.body, { message: 'splunk-logging plain string', severity: 'warn' });
    assert.deepEqual([records[1]!.host, records[1]!.source, records[1]!.sourcetype, records[1]!.index], ['web-1', 'app', '_json', 'main']);
    for (const record of records) {
      assert.match(record.time_unix_nano!, /^\d{10}\d{3}000000$/);
      assert.equal(record.timestamp, Number(record.time_unix_nano!.slice(0, 13)));
    }
  });
});
