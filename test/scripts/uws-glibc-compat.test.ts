// The glibc compatibility step for uWebSockets.js: the rewrite of the binary's
// version needs, the shim's functions, and the whole step on this host.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

interface VersionNeed { readonly file: string; readonly version: string; readonly index: number }
interface Removed { readonly file: string; readonly version: string; readonly symbols: readonly string[] }
interface CompatScript {
  readonly COMPAT_FLOOR: string;
  versionNeeds(buf: Buffer): { needs: VersionNeed[]; symbolsByIndex: Map<number, string[]> };
  newestGlibc(buf: Buffer): string | undefined;
  dropNewerGlibcNeeds(buf: Buffer, floor?: string): Removed[];
  makeCompat(pkgDir: string): { target: string; removed: Removed[]; needs: Record<string, string | undefined> };
}

const repo = path.resolve(__dirname, '../../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const compat = require(path.join(repo, 'scripts/uws-glibc-compat.js')) as CompatScript;
const pkgDir = path.join(repo, 'node_modules/@btc-vision/uwebsockets.js');
const NODE24_BINARY = path.join(pkgDir, 'uws_linux_x64_137.node');
const work = mkdtempSync(path.join(tmpdir(), 'uws-glibc-compat-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('uws-glibc-compat: the version-needs rewrite', () => {
  it('drops every GLIBC version above 2.31 and leaves those symbols unversioned', () => {
    const original = readFileSync(NODE24_BINARY);
    assert.equal(compat.newestGlibc(original), '2.38');
    const buf = Buffer.from(original);
    const removed = compat.dropNewerGlibcNeeds(buf);
    assert.deepEqual(removed.map((r) => r.version).sort(), ['GLIBC_2.32', 'GLIBC_2.33', 'GLIBC_2.34', 'GLIBC_2.35', 'GLIBC_2.36', 'GLIBC_2.38']);
    assert.deepEqual([...removed.find((r) => r.version === 'GLIBC_2.38')!.symbols].sort(), ['__isoc23_sscanf', '__isoc23_strtol', '__isoc23_strtoul']);
    assert.equal(compat.newestGlibc(buf), '2.27');
    const after = compat.versionNeeds(buf);
    const unversioned = after.symbolsByIndex.get(1) ?? [];
    for (const s of ['__isoc23_strtol', 'arc4random', '_dl_find_object', 'fstat', '__libc_single_threaded', 'pthread_once']) {
      assert.ok(unversioned.includes(s), `${s} is unversioned`);
    }
    // Everything else keeps its version need: 12 of libc's 18 remain, libm's and ld.so's untouched.
    const before = compat.versionNeeds(original).needs;
    assert.equal(after.needs.length, before.length - 6);
    assert.deepEqual(after.needs.filter((n) => n.file !== 'libc.so.6'), before.filter((n) => n.file !== 'libc.so.6'));
  });

  it('refuses, changing nothing, when a dropped version covers a symbol it has no answer for', () => {
    const buf = readFileSync(NODE24_BINARY);
    const copy = Buffer.from(buf);
    assert.throws(() => compat.dropNewerGlibcNeeds(copy, '2.17'), /does not provide: .*@GLIBC_2\.18/);
    assert.ok(copy.equals(buf));
  });
});

describe('uws-glibc-compat: the shim', () => {
  it('behaves as glibc 2.38 does: binary prefixes for bases 0 and 2, C99 otherwise', () => {
    const shim = path.join(work, 'libshim.so');
    const driver = path.join(work, 'driver');
    execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', shim, path.join(repo, 'scripts/uws-glibc-compat/shim.c'), '-ldl']);
    execFileSync('cc', ['-O2', '-o', driver, path.join(repo, 'test/scripts/uws-glibc-compat-driver.c'), shim, `-Wl,-rpath,${work}`]);
    const lines = execFileSync(driver, { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(lines, [
      'strtol 0b101/0 5 5 0',
      'strtol  -0B11x/2 -3 6 0',
      'strtol 0b102/10 0 1 0', // base 10: "0", then 'b' stops it
      'strtol 0b/0 0 1 0', // no binary digit: C99's reading, "0"
      'strtol 0x1f/0 31 4 0',
      'strtol 42/10 42 2 0',
      `strtol 0b1${'0'.repeat(63)}/0 9223372036854775807 66 34`, // 2^63 overflows: LONG_MAX, ERANGE
      'strtoul 0b1111/0 15 6 0',
      'strtoul -0b1/2 18446744073709551615 4 0',
      'strtoul 017/0 15 3 0',
      'sscanf 2 123 255',
      'arc4random 1',
      'dl_find_object 0 1 1',
      'dl_find_object_miss -1',
    ]);
  });

  it('covers the only sscanf formats the uWS binary passes, on which C99 and C23 agree', () => {
    const disassembly = execFileSync('objdump', ['-d', '--no-show-raw-insn', NODE24_BINARY], { encoding: 'utf8', maxBuffer: 1 << 30 }).split('\n');
    const binary = readFileSync(NODE24_BINARY);
    const formats = new Set<string>();
    disassembly.forEach((line, i) => {
      if (!/call .*<__isoc23_sscanf@plt>/.test(line)) return;
      const lea = disassembly.slice(Math.max(0, i - 8), i).reverse().find((l) => /lea .*\(%rip\),%rsi\s+# ([0-9a-f]+)/.test(l));
      const address = parseInt(/# ([0-9a-f]+)/.exec(lea ?? '')?.[1] ?? 'NaN', 16);
      assert.ok(Number.isFinite(address), `the format argument of: ${line}`);
      formats.add(binary.toString('latin1', address, binary.indexOf(0, address)));
    });
    assert.deepEqual([...formats].sort(), ['%lu', '%lx']);
  });
});

describe('uws-glibc-compat: the step on this host', () => {
  it('makes a build for the running Node that needs glibc ≤ 2.31, loads, and is the native module', () => {
    const copy = path.join(work, 'uwebsockets.js');
    const binary = `uws_linux_x64_${process.versions.modules}.node`;
    cpSync(pkgDir, copy, { recursive: true, filter: (f) => !f.endsWith('.node') || f.endsWith(binary) });
    const made = compat.makeCompat(copy);
    assert.equal(made.target, path.join(copy, 'glibc-compat', binary));
    assert.ok(existsSync(path.join(copy, 'glibc-compat', 'libuws-glibc-compat.so')));
    assert.equal(made.needs[binary], '2.27');
    assert.equal(made.needs['libuws-glibc-compat.so'], '2.25');
    const loaded = spawnSync(process.execPath, ['-e', `const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(made.target)});
      const app = m.exports.App(); app.get('/*', (res) => res.end('ok'));
      app.listen('127.0.0.1', 0, (s) => { const port = m.exports.us_socket_local_port(s);
        fetch('http://127.0.0.1:' + port + '/').then((r) => r.text()).then((t) => { console.log(t); process.exit(0); }); });`],
    { encoding: 'utf8', timeout: 30_000 });
    assert.equal(loaded.status, 0, loaded.stderr);
    assert.equal(loaded.stdout.trim(), 'ok', 'the rewritten build serves HTTP');
  });
});
