'use strict';
// The glibc compatibility step for uWebSockets.js (docs/operations.md, "Node 22/24 on
// glibc 2.31–2.37"). The only native uWebSockets.js builds for Node 22/24/25
// (@btc-vision/uwebsockets.js 20.57.0) are linked against glibc 2.38, and ask
// for a handful of symbols newer than glibc 2.31. This step makes, next to the
// unmodified build, `glibc-compat/uws_linux_<arch>_<abi>.node` for the running
// Node, a copy that:
//   1. no longer requires the glibc symbol versions newer than COMPAT_FLOOR:
//      those entries are removed from its version needs and the symbols that
//      used them become unversioned, so the dynamic linker binds each to the
//      first definition in the process (glibc's own where glibc has it);
//   2. needs libuws-glibc-compat.so (compiled here from uws-glibc-compat/shim.c,
//      found through RUNPATH $ORIGIN), which defines the symbols older glibc
//      lacks. Symbols that older glibc has under an older version (pthread_*,
//      moved from libpthread into libc in 2.34) need no definition.
// It refuses a binary that needs any other newer symbol, then loads the result
// in a child Node to prove it is the native module. The loader (src/ingest/uws.ts)
// still prefers the unmodified build wherever that one loads.
//
//   node scripts/uws-glibc-compat.js                # make it (needs cc and patchelf)
//   node scripts/uws-glibc-compat.js --when-needed  # postinstall: only when no unmodified build serves this host
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const COMPAT_FLOOR = '2.31';
const SHIM = 'libuws-glibc-compat.so';
const OUT_DIR = 'glibc-compat';
/** Symbols the shim defines. */
const SHIM_SYMBOLS = new Set(['__isoc23_strtol', '__isoc23_strtoul', '__isoc23_sscanf', 'arc4random',
  '_dl_find_object', 'fstat', '__libc_single_threaded']);
/** Symbols glibc ≥ 2.31 has under an older version (in libpthread before 2.34). */
const OLDER_IN_GLIBC = /^pthread_(getspecific|setspecific|key_create|key_delete|once|rwlock_(destroy|init|rdlock|unlock|wrlock))$/;

const SHT_DYNSYM = 11;
const SHT_GNU_VERNEED = 0x6ffffffe;
const SHT_GNU_VERSYM = 0x6fffffff;
const VER_NDX_GLOBAL = 1;

function compareVersions(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

function cString(buf, offset) {
  return buf.toString('latin1', offset, buf.indexOf(0, offset));
}

/** Sections of a little-endian ELF64 file, by type. */
function sections(buf) {
  if (buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2 || buf[5] !== 1) throw new Error('not a little-endian ELF64 file');
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const list = [];
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * shentsize;
    list.push({ type: buf.readUInt32LE(h + 4), offset: Number(buf.readBigUInt64LE(h + 0x18)),
      size: Number(buf.readBigUInt64LE(h + 0x20)), link: buf.readUInt32LE(h + 0x28), info: buf.readUInt32LE(h + 0x2c) });
  }
  const one = (type) => {
    const s = list.find((x) => x.type === type);
    if (!s) throw new Error(`no section of type 0x${type.toString(16)}`);
    return s;
  };
  const dynsym = one(SHT_DYNSYM);
  return { dynsym, dynstr: list[dynsym.link], verneed: one(SHT_GNU_VERNEED), versym: one(SHT_GNU_VERSYM) };
}

/** The version needs: [{ file, version, index, at, prev }] in file order, and symbols by version index. */
function versionNeeds(buf) {
  const s = sections(buf);
  const needs = [];
  let vn = s.verneed.offset;
  for (let i = 0; i < s.verneed.info; i++) {
    const file = cString(buf, s.dynstr.offset + buf.readUInt32LE(vn + 4));
    let aux = vn + buf.readUInt32LE(vn + 8);
    let prev;
    for (let j = 0; j < buf.readUInt16LE(vn + 2); j++) {
      needs.push({ file, version: cString(buf, s.dynstr.offset + buf.readUInt32LE(aux + 8)),
        index: buf.readUInt16LE(aux + 6), at: aux, prev, verneedAt: vn });
      prev = aux;
      const next = buf.readUInt32LE(aux + 12);
      if (next === 0) break;
      aux += next;
    }
    const next = buf.readUInt32LE(vn + 12);
    if (next === 0) break;
    vn += next;
  }
  const symbolsByIndex = new Map();
  const count = s.dynsym.size / 24;
  for (let i = 1; i < count; i++) {
    const index = buf.readUInt16LE(s.versym.offset + 2 * i) & 0x7fff;
    const sym = s.dynsym.offset + 24 * i;
    if (buf.readUInt16LE(sym + 6) !== 0) continue; // defined here, not needed
    const name = cString(buf, s.dynstr.offset + buf.readUInt32LE(sym));
    symbolsByIndex.set(index, [...(symbolsByIndex.get(index) ?? []), name]);
  }
  return { needs, symbolsByIndex, sections: s };
}

/** Newest GLIBC_x.y an ELF file needs, or undefined. */
function newestGlibc(buf) {
  return versionNeeds(buf).needs.map((n) => /^GLIBC_([\d.]+)$/.exec(n.version)?.[1]).filter(Boolean)
    .sort(compareVersions).pop();
}

/**
 * Removes, in place, every GLIBC_x.y version need newer than `floor`, making
 * the symbols that used it unversioned. Throws, changing nothing, when such a
 * symbol is neither defined by the shim nor present in older glibc.
 * Returns [{ file, version, symbols }].
 */
function dropNewerGlibcNeeds(buf, floor = COMPAT_FLOOR) {
  const { needs, symbolsByIndex, sections: s } = versionNeeds(buf);
  const newer = needs.filter((n) => /^GLIBC_[\d.]+$/.test(n.version) && compareVersions(n.version.slice(6), floor) > 0);
  const removed = newer.map((n) => ({ file: n.file, version: n.version, symbols: symbolsByIndex.get(n.index) ?? [] }));
  const uncovered = removed.flatMap((r) => r.symbols.filter((x) => !SHIM_SYMBOLS.has(x) && !OLDER_IN_GLIBC.test(x))
    .map((x) => `${x}@${r.version}`));
  if (uncovered.length > 0) throw new Error(`needs glibc symbols the compatibility shim does not provide: ${uncovered.join(', ')}`);
  // Unlink each removed entry from its file's chain, last first so offsets stay valid.
  for (const n of [...newer].reverse()) {
    const next = buf.readUInt32LE(n.at + 12);
    const count = buf.readUInt16LE(n.verneedAt + 2);
    if (count === 1) throw new Error(`${n.file} would need no version at all`);
    if (n.prev === undefined) {
      buf.writeUInt32LE(buf.readUInt32LE(n.verneedAt + 8) + next, n.verneedAt + 8);
    } else {
      buf.writeUInt32LE(next === 0 ? 0 : buf.readUInt32LE(n.prev + 12) + next, n.prev + 12);
    }
    buf.writeUInt16LE(count - 1, n.verneedAt + 2);
  }
  const dropped = new Set(newer.map((n) => n.index));
  for (let i = 1; i < s.dynsym.size / 24; i++) {
    const at = s.versym.offset + 2 * i;
    if (dropped.has(buf.readUInt16LE(at) & 0x7fff)) buf.writeUInt16LE(VER_NDX_GLOBAL, at);
  }
  return removed;
}

function hostGlibc() {
  return process.report.getReport().header.glibcVersionRuntime;
}

function has(tool) {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Makes the compat build for the running Node; returns what it did. */
function makeCompat(pkgDir, { shimSource = path.join(__dirname, 'uws-glibc-compat/shim.c') } = {}) {
  const binary = `uws_linux_${process.arch}_${process.versions.modules}.node`;
  const source = path.join(pkgDir, binary);
  if (!fs.existsSync(source)) throw new Error(`${source} does not exist: this uWebSockets.js has no build for Node ${process.version}`);
  const outDir = path.join(pkgDir, OUT_DIR);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir);
  const shim = path.join(outDir, SHIM);
  execFileSync('cc', ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-Werror', '-o', shim, shimSource,
    '-Wl,--no-as-needed', '-ldl', '-lpthread'], { stdio: 'inherit' });
  const buf = fs.readFileSync(source);
  const removed = dropNewerGlibcNeeds(buf);
  const target = path.join(outDir, binary);
  fs.writeFileSync(target, buf);
  // One change per call: patchelf 0.14 mixes up the arguments of several.
  execFileSync('patchelf', ['--add-needed', SHIM, target], { stdio: 'inherit' });
  execFileSync('patchelf', ['--set-rpath', '$ORIGIN', target], { stdio: 'inherit' });
  const needs = { [binary]: newestGlibc(fs.readFileSync(target)), [SHIM]: newestGlibc(fs.readFileSync(shim)) };
  for (const [file, v] of Object.entries(needs)) {
    if (v && compareVersions(v, COMPAT_FLOOR) > 0) throw new Error(`${file} still needs GLIBC_${v}`);
  }
  verifyLoads(target);
  fs.writeFileSync(path.join(outDir, 'README'),
    `Made by scripts/uws-glibc-compat.js from ${binary} for glibc ${COMPAT_FLOOR}-2.37 hosts.\n` +
    removed.map((r) => `${r.file} ${r.version}: ${r.symbols.join(' ')}\n`).join(''));
  return { target, removed, needs };
}

/** Loads the file in a child Node (a failed load can abort the process) and checks it is native. */
function verifyLoads(file) {
  const check = `const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(file)});
    if (typeof m.exports.SSLApp !== 'function' || typeof m.exports.getParts !== 'function') { console.error('not the native module'); process.exit(1); }`;
  const r = spawnSync(process.execPath, ['-e', check], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${file} does not load on this host: ${(r.stderr || '').trim()}`);
}

function uwsDir(specifier) {
  let dir = path.dirname(require.resolve(specifier, { paths: [path.resolve(__dirname, '..')] }));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

/** Why the step is not needed here (postinstall), or undefined when it is. */
function notNeeded() {
  const glibc = hostGlibc();
  if (process.platform !== 'linux' || glibc === undefined) return 'not a glibc Linux host';
  if (compareVersions(glibc, '2.38') >= 0) return `glibc ${glibc} loads the unmodified build`;
  let olderBuild;
  try {
    olderBuild = path.join(uwsDir('uWebSockets.js'), 'binaries', `uws_linux_${process.arch}_${process.versions.modules}.node`);
  } catch { /* the older package is not installed */ }
  if (olderBuild && fs.existsSync(olderBuild)) return `uWebSockets.js v20.30 has an unmodified build for Node ${process.version} on glibc ${glibc}`;
  if (compareVersions(glibc, COMPAT_FLOOR) < 0) return `glibc ${glibc} is older than ${COMPAT_FLOOR}, which the compatibility step covers`;
  const missing = ['cc', 'patchelf'].filter((t) => !has(t));
  if (missing.length > 0) return `needed for Node ${process.version} on glibc ${glibc}, but ${missing.join(' and ')} missing (Debian: apt-get install build-essential patchelf)`;
  return undefined;
}

function main(args) {
  if (args.includes('--when-needed')) {
    const why = notNeeded();
    if (why !== undefined) {
      console.log(`uws-glibc-compat: skipped: ${why}`);
      return;
    }
  }
  const { target, removed, needs } = makeCompat(uwsDir('@btc-vision/uwebsockets.js'));
  console.log(`uws-glibc-compat: ${path.relative(process.cwd(), target)} loads on glibc ${hostGlibc()} ` +
    `(needs GLIBC_${needs[path.basename(target)]}; rewrote ${removed.map((r) => `${r.version}: ${r.symbols.join(' ')}`).join('; ')})`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(`uws-glibc-compat: ${err.message}`);
    process.exit(1);
  }
}

module.exports = { COMPAT_FLOOR, makeCompat, versionNeeds, newestGlibc, dropNewerGlibcNeeds, compareVersions };
