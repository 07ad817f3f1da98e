#!/usr/bin/env node
// postinstall: applies patches/node-rdkafka-3.6.1-delivered-ids.patch to
// node-rdkafka's C++ sources and rebuilds its addon (only the changed files;
// librdkafka itself is not rebuilt). The patch adds Producer.produceWithId()
// and takeDelivered(): one message with one header and a numeric id, and
// successful deliveries handed over as ids in a Float64Array instead of one
// JS report object and callback each, which cuts the main thread's CPU per
// message several times over (bench/RESULTS.md). The daemon falls back to
// node-rdkafka's own produce() and delivery reports when the addon lacks these
// methods, and says so at start.
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
const PACKAGE = path.join(ROOT, 'node_modules', 'node-rdkafka');
const ADDON = path.join(PACKAGE, 'build', 'Release', 'node-librdkafka.node');
const MARKER = path.join(PACKAGE, 'build', 'metricstream-patch.sha256');

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

/** Applies the patch unless it already is; a tree patched otherwise (an
 * older version of the patch) is refused rather than built half-patched. */
function applyPatch() {
  // -f: never guess that a patch is reversed (--batch would, and apply a
  // "reverse" check forwards); no questions either.
  const dryRun = (reverse) => {
    try {
      execFileSync('patch', ['-p1', '--dry-run', '-f', '--silent', ...(reverse ? ['-R'] : []), '-i', PATCH], { cwd: PACKAGE, stdio: 'ignore' });
      return true;
    } catch (err) {
      if (err.code === 'ENOENT') fail('the patch tool is missing (Debian: apt-get install patch; build-essential includes it)');
      return false;
    }
  };
  if (dryRun(true)) return say('patch already applied');
  if (!dryRun(false)) {
    fail(`${path.relative(ROOT, PATCH)} does not apply to node_modules/node-rdkafka (patched otherwise?): `
      + 'rm -rf node_modules/node-rdkafka && npm install');
  }
  say(`applying ${path.relative(ROOT, PATCH)}`);
  run('patch', ['-p1', '-f', '-i', PATCH], { cwd: PACKAGE });
}

function main() {
  if (!existsSync(path.join(PACKAGE, 'package.json'))) return say('node-rdkafka not installed; nothing to patch');
  const version = String(JSON.parse(readFileSync(path.join(PACKAGE, 'package.json'), 'utf8')).version).replace(/^v/, '');
  if (version !== VERSION) fail(`node-rdkafka ${version} installed; ${path.relative(ROOT, PATCH)} is for ${VERSION} (update the patch with the version)`);
  const patch = readFileSync(PATCH);
  const digest = createHash('sha256').update(patch).digest('hex');
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

main();
