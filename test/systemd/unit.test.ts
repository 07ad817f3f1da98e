// The shipped unit file passes systemd's own checks and keeps its promises.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { configSchema } from '../../src/config/schema';

const UNIT = path.resolve(__dirname, '../../../systemd/metricstream.service');

describe('systemd unit', () => {
  it('verifies with systemd-analyze', () => {
    const result = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    assert.equal(result.error, undefined, 'systemd-analyze is installed (Debian package systemd)');
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /metricstream\.service/, result.stderr);
  });

  it('is Type=notify, hardened, and stops later than the drain deadline', () => {
    const text = readFileSync(UNIT, 'utf8');
    for (const line of ['Type=notify', 'NotifyAccess=all', 'Restart=on-failure', 'KillSignal=SIGTERM', 'DynamicUser=yes', 'ProtectSystem=strict',
      'ProtectHome=yes', 'PrivateTmp=yes', 'NoNewPrivileges=yes', 'StateDirectory=metricstream']) {
      assert.match(text, new RegExp(`^${line}$`, 'm'), line);
    }
    assert.match(text, /^ExecStart=.* --config \/etc\/metricstream\/config\.json$/m);
    assert.doesNotMatch(text, /^MemoryDenyWriteExecute/m, 'V8 needs W+X memory');
    // Node from a tarball in /opt/node or from the distribution's package in /usr/bin.
    assert.match(text, /^ExecStart=\/usr\/bin\/env node /m);
    const searchPath = /^Environment=PATH=(\S+)$/m.exec(text)?.[1]?.split(':') ?? [];
    assert.ok(searchPath.includes('/opt/node/bin') && searchPath.indexOf('/opt/node/bin') < searchPath.indexOf('/usr/bin'), searchPath.join(':'));
    // The release package's bundled Node first (it is installed in /opt/metricstream), run as its system user.
    assert.equal(searchPath[0], '/opt/metricstream/node/bin', searchPath.join(':'));
    // The node options every launcher gives (test/lifecycle/node-options.test.ts checks which).
    assert.match(text, /^ExecStart=\/usr\/bin\/env node (?:--\S+ )+\/opt\/metricstream\/dist\/main\.js /m);
    assert.match(text, /^User=metricstream$/m);
    const stopSeconds = Number(/^TimeoutStopSec=(\d+)s$/m.exec(text)?.[1]);
    assert.ok(stopSeconds * 1000 > configSchema.parse({}).drain.timeoutMs);
  });
});
