// The layering of docs/ARCHITECTURE.md, checked on every import in services/gateway/src.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../services/gateway/src');

/** Which layers each layer may import (besides itself). A file at the top (node.ts, main.ts) may import anything. */
const allowed: Record<string, string[]> = {
  config: [],
  domain: ['config'],
  crypto: ['domain', 'config'],
  data: ['domain', 'config', 'monitoring'],
  monitoring: [],
  'parts.ts': ['config', 'data', 'crypto', 'domain', 'monitoring', 'use-cases', 'handlers', 'amqp'],
  handlers: ['data', 'crypto', 'domain', 'config', 'parts.ts'],
  pipeline: ['handlers', 'data', 'crypto', 'domain', 'config', 'monitoring', 'parts.ts'],
  'use-cases': ['pipeline', 'handlers', 'data', 'crypto', 'domain', 'config', 'monitoring', 'parts.ts'],
  amqp: ['use-cases', 'pipeline', 'crypto', 'domain', 'config', 'monitoring', 'parts.ts'],
  http: ['use-cases', 'crypto', 'domain', 'config', 'monitoring', 'parts.ts'],
  console: ['http', 'use-cases', 'crypto', 'domain', 'config', 'monitoring', 'parts.ts'],
  cli: ['crypto', 'domain', 'config'],
};
/** Only type imports may point here (it names the parts, it builds nothing). */
const typeOnly = new Set(['parts.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === 'generated') return [];
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

const layerOf = (file: string) => path.relative(root, file).split(path.sep)[0]!;

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'/gm)) {
    found.push({ from: file, to: path.resolve(path.dirname(file), m[2]!), typeOnly: Boolean(m[1]) });
  }
  for (const m of text.matchAll(/^import\s+'(\.[^']+)'/gm)) found.push({ from: file, to: path.resolve(path.dirname(file), m[1]!), typeOnly: false });
  return found;
}

const files = sourceFiles(root);
const imports = files.flatMap(importsOf);

describe('import rules', () => {
  it('when a file imports another layer, then the layering allows it', () => {
    const broken = imports
      .filter((i) => {
        const [from, to] = [layerOf(i.from), layerOf(i.to)];
        if (from === to || !(from in allowed)) return false;
        return !allowed[from]!.includes(to);
      })
      .map((i) => `${path.relative(root, i.from)} → ${path.relative(root, i.to)}`);
    expect(broken).toEqual([]);
  });

  it('when a file imports parts.ts, then only its types', () => {
    const broken = imports.filter((i) => typeOnly.has(layerOf(i.to)) && !i.typeOnly).map((i) => path.relative(root, i.from));
    expect(broken).toEqual([]);
  });

  it('when the runtime imports are followed, then no file reaches itself again', () => {
    const graph = new Map<string, string[]>();
    for (const i of imports.filter((x) => !x.typeOnly)) graph.set(i.from, [...(graph.get(i.from) ?? []), i.to]);
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].map((f) => path.relative(root, f)).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('when a rule is checked, then it has files to check (the checker reads real imports)', () => {
    expect(files.length).toBeGreaterThan(40);
    expect(imports.some((i) => layerOf(i.from) === 'http' && layerOf(i.to) === 'use-cases')).toBe(true);
  });

  it('when a source file is longer than 250 lines, then its top says why', () => {
    const long = files.filter((f) => {
      const lines = readFileSync(f, 'utf8').split('\n');
      return lines.length > 250 && !/longer than 250 lines/i.test(lines.slice(0, 5).join('\n'));
    });
    expect(long.map((f) => path.relative(root, f))).toEqual([]);
  });
});
