// Where a node's CPU went, from a V8 CPU profile (`node --cpu-prof`, written by `npm run bench` with
// BENCH_CPU_PROF=<dir>): self time by where the code comes from, busy time only (idle left out).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A package name, a Node.js internal module, one of our files, or V8's own (garbage collector, program, …). */
function origin({ functionName, url }: ProfileNode['callFrame']): string {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1]!;
  if (url.startsWith('node:')) return url;
  if (url.includes('/dist/')) return `ours: ${url.slice(url.indexOf('/dist/') + 6)}`;
  return url ? url : `(${functionName.replace(/[()]/g, '')})`;
}

/** The largest shares of a profile's busy time, as lines `  12.3 %  origin`. */
export function summarizeProfile(file: string, top = 12): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byOrigin = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id)!;
    if (frame.functionName === '(idle)') return;
    const key = origin(frame);
    byOrigin.set(key, (byOrigin.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const busy = [...byOrigin.values()].reduce((a, b) => a + b, 0);
  return [...byOrigin]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, micros]) => `  ${((100 * micros) / busy).toFixed(1).padStart(5)} %  ${key}`)
    .concat(`  busy ${(busy / 1e6).toFixed(1)} s in all`);
}
