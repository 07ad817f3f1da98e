// One direction of imports: the folders of src/ form no cycle (a reader
// following a request never climbs back into a folder already left), and
// nothing in src/ imports from workers/, which holds thread entry points
// only. A folder is a directory of src/, and each protocol under
// src/protocols/ one of its own; a file directly in src/ or src/protocols/
// (the route table above the protocols, the contract below them) is a node
// of its own.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return sources(rel);
    return entry.name.endsWith('.ts') ? [rel] : [];
  });
}

/** The node of the import graph a repository path belongs to. */
export function folderOf(file: string): string {
  const parts = file.replace(/\.ts$/, '').split('/');
  if (parts[0] !== 'src') return parts[0]!;
  if (parts.length === 2) return parts.join('/');
  if (parts[1] === 'protocols') return parts.slice(0, 3).join('/');
  return parts.slice(0, 2).join('/');
}

/** Relative module specifiers a file imports, exports from or requires (types included). */
export function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)(['"])(\.{1,2}\/[^'"]*)\1/gm)) found.push(m[2]!);
  return found;
}

interface Edge { readonly from: string; readonly to: string; readonly file: string }

function edges(): Edge[] {
  const all: Edge[] = [];
  for (const file of [...sources('src'), ...sources('workers')]) {
    for (const spec of importsOf(readFileSync(path.join(ROOT, file), 'utf8'))) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      const from = folderOf(file);
      const to = folderOf(target.endsWith('.json') ? target : `${target}.ts`);
      if (from !== to) all.push({ from, to, file });
    }
  }
  return all;
}

/** A cycle in the folder graph, as the folders along it, or null. */
export function findCycle(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    if (state.get(node) === undefined) {
      const cycle = visit(node);
      if (cycle) return cycle;
    }
  }
  return null;
}

function graphOf(list: readonly Edge[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of list) {
    if (!graph.has(from)) graph.set(from, new Set());
    graph.get(from)!.add(to);
  }
  return graph;
}

describe('architecture: imports', () => {
  const list = edges();

  it('reads the imports it checks (the check itself can fail)', () => {
    assert.ok(list.some((e) => e.from === 'src/pool' && e.to === 'src/protocols/routes'), 'the pool imports the route table');
    assert.deepEqual(findCycle(graphOf([{ from: 'a', to: 'b', file: '' }, { from: 'b', to: 'a', file: '' }])), ['a', 'b', 'a']);
    assert.equal(findCycle(graphOf([{ from: 'a', to: 'b', file: '' }, { from: 'a', to: 'c', file: '' }, { from: 'b', to: 'c', file: '' }])), null);
    assert.deepEqual(importsOf("import type { X } from '../a/b';\nexport { Y } from './y';\nconst z = require('../../z.json');"), ['../a/b', './y', '../../z.json']);
    assert.equal(folderOf('src/protocols/otlp/decode.ts'), 'src/protocols/otlp');
    assert.equal(folderOf('src/protocols/routes.ts'), 'src/protocols/routes');
    assert.equal(folderOf('src/errors.ts'), 'src/errors');
  });

  it('no folder of src/ imports from workers/ (thread entry points only)', () => {
    const offending = list.filter((e) => e.from.startsWith('src') && e.to === 'workers');
    assert.deepEqual(offending.map((e) => e.file), []);
  });

  it('the folders form no cycle', () => {
    const cycle = findCycle(graphOf(list));
    const through = cycle === null ? [] : list.filter((e) => cycle.some((node, i) => e.from === node && e.to === cycle[i + 1]));
    assert.equal(cycle, null, `import cycle ${cycle?.join(' → ')}, through ${through.map((e) => `${e.file} → ${e.to}`).join('; ')}`);
  });
});
