#!/usr/bin/env node
// postinstall: applies patches/node-rdkafka-3.6.1-delivered-ids.patch to
// node-rdkafka's C++ sources and rebuilds its addon (only the changed files;
// librdkafka itself is not rebuilt). The patch adds Producer.produceWithId()
// and takeDelivered(): one message with the metricstream-id header (and any
// extra headers the ring record carries) and a numeric id, and
// successful deliveries handed over as ids in a Float64Array instead of one
// JS report object and callback each (what that saves the main thread:
// bench/RESULTS.md, "the delivered-ids patch of node-rdkafka"). The daemon refuses to start on a node-rdkafka whose addon lacks
// them or whose version differs (the self-check in src/produce/rdkafka-adapter.ts,
// which reads the digest this script writes to MARKER).
//
// Written by hand rather than with patch-package: it applies with the
// `patch` tool (Debian: package patch, part of build-essential, which the
// node-rdkafka build needs anyway) and must also rebuild the native addon.
'use strict';
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const VERSION = '3.6.1';
const ROOT = path.join(__dirname, '..');
const PATCH = path.join(ROOT, 'patches', `node-rdkafka-${VERSION}-delivered-ids.patch`);
/** Earlier versions of PATCH, newest first: a tree built with one of them
 * (every install made before PATCH changed) has it reversed, then PATCH applied. */
const SUPERSEDED = [path.join(ROOT, 'patches', 'superseded', `node-rdkafka-${VERSION}-delivered-ids.1.patch`)];
const PACKAGE = path.join(ROOT, 'node_modules', 'node-rdkafka');
const ADDON = path.join(PACKAGE, 'build', 'Release', 'node-librdkafka.node');
const MARKER = path.join(PACKAGE, 'build', 'metricstream-patch.sha256');

/** How to get past a node-rdkafka `version` the patch is not for. */
function upgradeSteps(version) {
  const patch = path.relative(ROOT, PATCH);
  return [
    `To stay on ${VERSION}: set "node-rdkafka": "${VERSION}" in package.json and run npm install.`,
    `To move to ${version}: rebase ${patch} onto node-rdkafka ${version}'s sources (src/producer.cc, src/producer.h,`,
    `src/callbacks.cc, src/callbacks.h) as patches/node-rdkafka-${version}-delivered-ids.patch; set VERSION in`,
    'scripts/patch-node-rdkafka.js, and NODE_RDKAFKA_VERSION and PATCH_SHA256 (the new patch\'s sha256sum) in',
    'src/produce/rdkafka-adapter.ts; run npm install; then prove it with npm run build && node --test',
    'dist/test/produce/rdkafka-adapter.test.js dist/test/produce/producer.test.js dist/test/e2e/ingest.test.js',
    'dist/test/e2e/spool.test.js',
  ].join('\n');
}

function say(message) {
  process.stdout.write(`metricstream postinstall: ${message}\n`);
}

function fail(message) {
  process.stderr.write(`metricstream postinstall: ${message}\n`);
  process.exit(1);
}

function run(command, args, options) {
  execFileSync(command, args, { stdio: 'inherit', ...options });
}

/** npm hands its bundled node-gyp to scripts in npm_config_node_gyp. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [path.dirname(process.env.npm_execpath ?? '')] });
  } catch {
    return fail('node-gyp not found: run this through npm install (npm ships node-gyp)');
  }
}

/** Whether `patch` applies to node-rdkafka's sources (reversed: whether it is applied). */
function applies(patch, reverse) {
  // -f: never guess that a patch is reversed (--batch would, and apply a
  // "reverse" check forwards); no questions either.
  try {
    execFileSync('patch', ['-p1', '--dry-run', '-f', '--silent', ...(reverse ? ['-R'] : []), '-i', patch], { cwd: PACKAGE, stdio: 'ignore' });
    return true;
  } catch (err) {
    if (err.code === 'ENOENT') fail('the patch tool is missing (Debian: apt-get install patch; build-essential includes it)');
    return false;
  }
}

/** Applies the patch unless it already is. A tree with a superseded version
 * of the patch has that one reversed first; a tree patched otherwise is
 * refused rather than built half-patched. */
function applyPatch() {
  if (applies(PATCH, true)) return say('patch already applied');
  if (!applies(PATCH, false)) {
    const older = SUPERSEDED.find((patch) => existsSync(patch) && applies(patch, true));
    if (older === undefined) {
      fail(`${path.relative(ROOT, PATCH)} does not apply to node_modules/node-rdkafka (patched otherwise?): `
        + 'rm -rf node_modules/node-rdkafka && npm install');
    }
    say(`reversing the superseded ${path.relative(ROOT, older)}`);
    run('patch', ['-p1', '-R', '-f', '-i', older], { cwd: PACKAGE });
    if (!applies(PATCH, false)) fail(`${path.relative(ROOT, PATCH)} does not apply after reversing ${path.relative(ROOT, older)}`);
  }
  say(`applying ${path.relative(ROOT, PATCH)}`);
  run('patch', ['-p1', '-f', '-i', PATCH], { cwd: PACKAGE });
}

/** sha256 of the patch: what MARKER holds once the addon is built with it. */
function patchDigest() {
  return createHash('sha256').update(readFileSync(PATCH)).digest('hex');
}

function main() {
  if (!existsSync(path.join(PACKAGE, 'package.json'))) return say('node-rdkafka not installed; nothing to patch');
  const version = String(JSON.parse(readFileSync(path.join(PACKAGE, 'package.json'), 'utf8')).version).replace(/^v/, '');
  if (version !== VERSION) {
    fail(`node-rdkafka ${version} is installed, but ${path.relative(ROOT, PATCH)} is for ${VERSION} `
      + `(the daemon refuses to start without the patch).\n${upgradeSteps(version)}`);
  }
  const digest = patchDigest();
  if (existsSync(ADDON) && existsSync(MARKER) && readFileSync(MARKER, 'utf8').trim() === digest) {
    return say('node-rdkafka already patched and built');
  }
  applyPatch();
  // node-rdkafka's own install script ran `node-gyp rebuild` (package.json
  // allowScripts): build again, which recompiles only the patched files.
  // Without that build (scripts disabled), configure and build everything.
  const configured = existsSync(path.join(PACKAGE, 'build', 'Makefile'));
  say(configured ? 'rebuilding the node-rdkafka addon (changed files only)' : 'building node-rdkafka (librdkafka from source, a few minutes)');
  run(process.execPath, [nodeGyp(), configured ? 'build' : 'rebuild'], { cwd: PACKAGE });
  writeFileSync(MARKER, `${digest}\n`);
  say('node-rdkafka patched and built');
}

if (require.main === module) main();

module.exports = { VERSION, PATCH, SUPERSEDED, patchDigest };
