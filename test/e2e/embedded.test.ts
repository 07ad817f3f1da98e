// With no brokers configured the daemon runs against an embedded in-memory
// Kafka and says where another client can read it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TopicReader, recordId } from '../support/consumer';
import { Daemon, metricBatch, post } from '../support/daemon';

describe('embedded Kafka', () => {
  it('accepts a POST and names the bootstrap address a consumer can read from', async () => {
    const daemon = await Daemon.start({ METRICSTREAM_BROKERS: '' });
    try {
      const notice = daemon.logs.find((l) => /embedded in-memory Kafka/.test(l.msg));
      assert.ok(notice, 'the embedded mode is announced');
      const bootstrap = String(notice['bootstrap']);
      assert.match(bootstrap, /^127\.0\.0\.1:\d+$/);
      assert.match(notice.msg, new RegExp(`kcat -b ${bootstrap} -t metrics -C`));

      const reply = await post(`${daemon.ingestUrl}/metrics`, metricBatch(10, 'embedded').body);
      assert.deepEqual(reply.body, { accepted: 10 });
      const reader = await TopicReader.open(bootstrap, 'metrics');
      try {
        const records = (await reader.waitFor(10)).filter((r) => recordId(r).requestId === reply.headers.get('x-request-id'));
        assert.equal(records.length, 10);
      } finally {
        await reader.close();
      }
    } finally {
      assert.equal((await daemon.stop()).code, 0);
    }
  });
});
