// Which uWebSockets.js build loads where (issue 11), and that nothing but a
// native build is ever accepted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareVersions, findUwsPackages, hostFacts, loadNativeUws, NativeServerMissingError, planUwsLoad,
  UWS_CANDIDATES, type HostFacts, type UwsPackage,
} from '../../src/ingest/uws';

const [V2057, V2030, V2057_COMPAT] = UWS_CANDIDATES as [typeof UWS_CANDIDATES[0], typeof UWS_CANDIDATES[0], typeof UWS_CANDIDATES[0]];
const platforms = ['linux_x64', 'linux_arm64', 'darwin_x64', 'win32_x64'];
// The binaries the two packages ship (checked against the installed ones below).
const NEW: UwsPackage = {
  candidate: V2057, id: '@btc-vision/uwebsockets.js@20.57.0', dir: '/nm/@btc-vision/uwebsockets.js',
  binaries: platforms.flatMap((p) => ['115', '127', '137', '141'].map((abi) => `uws_${p}_${abi}.node`)),
};
const OLD: UwsPackage = {
  candidate: V2030, id: '@trufflesuite/uws-js-unofficial@20.30.0-unofficial.0', dir: '/nm/uWebSockets.js',
  binaries: platforms.flatMap((p) => ['93', '108', '115'].map((abi) => `uws_${p}_${abi}.node`)),
};
// What scripts/uws-glibc-compat.js makes for the Node that ran it (here Node 24).
const COMPAT: UwsPackage = {
  candidate: V2057_COMPAT, id: '@btc-vision/uwebsockets.js@20.57.0+glibc-compat', dir: '/nm/@btc-vision/uwebsockets.js',
  binaries: ['uws_linux_x64_137.node'],
};
const PACKAGES = [NEW, OLD, COMPAT];

function host(node: string, abi: string, glibc: string | undefined, platform = 'linux'): HostFacts {
  return { platform, arch: 'x64', abi, node, glibc };
}
const DEBIAN12_NODE20 = host('v20.20.2', '115', '2.36');
const DEBIAN13_NODE20 = host('v20.20.2', '115', '2.41');
const DEBIAN13_NODE22 = host('v22.23.5', '127', '2.41');
const DEBIAN13_NODE24 = host('v24.22.3', '137', '2.41');
const DEBIAN12_NODE24 = host('v24.22.3', '137', '2.36');

function tried(h: HostFacts, packages = PACKAGES): string[] {
  return planUwsLoad(packages, h).attempts.map((a) => a.id);
}

describe('uWebSockets.js build choice', () => {
  it('compares glibc versions numerically', () => {
    assert.equal(compareVersions('2.38', '2.36'), 1);
    assert.equal(compareVersions('2.9', '2.27'), -1);
    assert.equal(compareVersions('2.38', '2.38.0'), 0);
  });

  it('tries v20.57 first wherever glibc allows, v20.30 only for Node ≤ 20, and the glibc-compat build last', () => {
    assert.deepEqual(tried(DEBIAN13_NODE24), [NEW.id, COMPAT.id], 'the unmodified build first');
    assert.deepEqual(tried(DEBIAN13_NODE22), [NEW.id]);
    assert.deepEqual(tried(DEBIAN13_NODE20), [NEW.id, OLD.id]);
    assert.deepEqual(tried(DEBIAN12_NODE20), [OLD.id]);
    assert.deepEqual(tried(DEBIAN12_NODE24), [COMPAT.id]);
    assert.deepEqual(tried(DEBIAN12_NODE24, [NEW, OLD]), [], 'no compat build made');
    assert.deepEqual(tried(host('v24.22.3', '137', '2.31')), [COMPAT.id], 'Debian 11');
    assert.deepEqual(tried(host('v24.22.3', '137', '2.28')), [], 'below the compat build\'s floor');
    assert.deepEqual(tried(host('v20.20.2', '115', undefined)), [], 'musl: all ship glibc binaries only');
    assert.deepEqual(tried(host('v24.22.3', '137', undefined, 'darwin')), [NEW.id], 'glibc matters on Linux only');
  });

  it('names the binary by platform, arch and ABI inside each package', () => {
    const [attempt] = planUwsLoad(PACKAGES, DEBIAN12_NODE20).attempts;
    assert.equal(attempt!.path, '/nm/uWebSockets.js/binaries/uws_linux_x64_115.node');
    assert.equal(planUwsLoad(PACKAGES, DEBIAN13_NODE24).attempts[0]!.path, '/nm/@btc-vision/uwebsockets.js/uws_linux_x64_137.node');
    assert.equal(planUwsLoad(PACKAGES, DEBIAN12_NODE24).attempts[0]!.path, '/nm/@btc-vision/uwebsockets.js/glibc-compat/uws_linux_x64_137.node');
  });

  it('refuses Node 24 on glibc 2.36 without a compat build, naming Node, ABI, glibc and what to install', () => {
    const withoutCompat = [NEW, OLD, { ...COMPAT, binaries: [] }];
    const err = captureRefusal(() => loadNativeUws(DEBIAN12_NODE24, { packages: withoutCompat, missing: [] },
      () => assert.fail('nothing should be tried')));
    assert.match(err.message, /Node v24\.22\.3 \(ABI 137\), linux-x64, glibc 2\.36/);
    assert.match(err.message, /@btc-vision\/uwebsockets\.js@20\.57\.0: needs glibc ≥ 2\.38/);
    assert.match(err.message, /@trufflesuite\/uws-js-unofficial@20\.30\.0-unofficial\.0: ships no uws_linux_x64_137\.node/);
    assert.match(err.message, /@btc-vision\/uwebsockets\.js@20\.57\.0: Node 20\/22\/24\/25 on glibc ≥ 2\.38/);
    assert.match(err.message, /@trufflesuite\/uws-js-unofficial@20\.30\.0-unofficial\.0: Node 16\/18\/20 on glibc ≥ 2\.27/);
    assert.match(err.message, /20\.57\.0\+glibc-compat: has no uws_linux_x64_137\.node \(made by `node scripts\/uws-glibc-compat\.js`\)/);
    assert.match(err.message, /Install Node\.js 22 or 24 on a glibc ≥ 2\.38 distribution \(Debian 13, Ubuntu 24\.04, RHEL 10\), or Node\.js 20/);
    assert.match(err.message, /for Node\.js 22\/24 on glibc 2\.31–2\.37, install the release package or run `node scripts\/uws-glibc-compat\.js`/);
    assert.ok(err instanceof NativeServerMissingError, String(err));
  });

  it('falls through to the next build when a binary fails to load, and refuses a non-native module', () => {
    const native = { App() {}, SSLApp() {}, getParts() {} };
    const loaded = loadNativeUws(DEBIAN13_NODE20, { packages: PACKAGES, missing: [] }, (file) => {
      if (file.includes('btc-vision')) throw new Error("/lib/libc.so.6: version `GLIBC_2.38' not found\nmore");
      return native;
    });
    assert.equal(loaded.build, OLD.id);
    assert.equal(loaded.binary, 'uws_linux_x64_115.node');
    assert.equal(loaded.uws, native);

    // Node 24 on glibc 2.36: the compat build, and the log says so by its id.
    const compat = loadNativeUws(DEBIAN12_NODE24, { packages: PACKAGES, missing: [] }, () => native);
    assert.equal(compat.build, '@btc-vision/uwebsockets.js@20.57.0+glibc-compat');

    // The trufflesuite package's pure-JS fallback exports App but not SSLApp/getParts.
    const err = captureRefusal(() => loadNativeUws(DEBIAN13_NODE20, { packages: PACKAGES, missing: [] }, () => ({ App() {} })));
    assert.match(err.message, /uws_linux_x64_115\.node is not the native module/);
    const none = captureRefusal(() => loadNativeUws(DEBIAN13_NODE20, { packages: [], missing: [{ id: 'uWebSockets.js', reason: 'not installed' }] }));
    assert.match(none.message, /uWebSockets\.js: not installed/);
  });
});

describe('uWebSockets.js on this host', () => {
  const found = findUwsPackages();

  it('has both builds installed, shipping the binaries the plan assumes', () => {
    assert.deepEqual(found.missing, []);
    assert.deepEqual(found.packages.map((p) => p.id), [NEW.id, OLD.id, COMPAT.id]);
    for (const [pkg, fake] of [[found.packages[0]!, NEW], [found.packages[1]!, OLD]] as const) {
      for (const binary of fake.binaries.filter((b) => b.startsWith('uws_linux_x64_'))) {
        assert.ok(pkg.binaries.includes(binary), `${pkg.id} ships ${binary}`);
      }
    }
  });

  it('loads the native build the plan puts first, never a package entry point', () => {
    const facts = hostFacts();
    assert.equal(facts.abi, process.versions.modules);
    const loaded = loadNativeUws();
    assert.equal(typeof loaded.uws.getParts, 'function');
    assert.equal(typeof loaded.uws.SSLApp, 'function');
    const oldShips = found.packages[1]!.binaries.includes(`uws_linux_x64_${facts.abi}.node`);
    const expected = compareVersions(facts.glibc ?? '0', '2.38') >= 0 ? NEW.id : oldShips ? OLD.id : COMPAT.id;
    assert.equal(loaded.build, expected, `glibc ${facts.glibc}, Node ${facts.node}`);
    const entries = Object.keys(require.cache).filter((f) => /uws-js-unofficial|uWebSockets\.js|uwebsockets\.js/.test(f));
    assert.ok(entries.every((f) => f.endsWith('.node')), `only .node binaries were required: ${entries.join(', ')}`);
  });
});

function captureRefusal(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof NativeServerMissingError, String(err));
    return err;
  }
  return assert.fail('expected a refusal');
}
