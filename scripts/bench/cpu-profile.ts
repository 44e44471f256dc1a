/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. from `npm run bench:api -- --profile <dir>`) by self time:
 * the functions, and the packages or project files, where the process spent its time; and by project caller: each
 * sample counted for the nearest function of the project's own (services/) on its stack, so that time in a library is
 * charged to the project code that called it.
 *
 *   npx tsx scripts/bench/cpu-profile.ts <file.cpuprofile> [--top <n>]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: an npm package, a project file, node's own modules, or V8 (GC, idle, program). */
function placeOf(url: string): string {
  if (url === '') return '(V8)';
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage?.[1] !== undefined) return inPackage[1];
  if (url.startsWith('node:')) return url;
  const inProject = /\/(services|scripts|test)\/(.+)$/.exec(url);
  return inProject === null ? url : `${inProject[1]}/${inProject[2]}`;
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string' } },
  });
  const file = positionals[0];
  if (file === undefined) throw new Error('Usage: tsx scripts/bench/cpu-profile.ts <file.cpuprofile> [--top <n>]');
  const top = Number(values.top ?? 30);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const total = [...selfUs.values()].reduce((sum, us) => sum + us, 0);

  const functions = new Map<string, number>();
  const places = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const place = placeOf(url);
    const name = `${functionName || '(anonymous)'}  ${place}${url === '' ? '' : `:${lineNumber + 1}`}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    places.set(place, (places.get(place) ?? 0) + us);
  }
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const callers = new Map<string, number>();
  for (const [id, us] of selfUs) {
    let at: number | undefined = id;
    let caller = '(no project frame)';
    while (at !== undefined) {
      const { functionName, url, lineNumber } = byId.get(at)!.callFrame;
      if (url.includes('/services/')) {
        caller = `${functionName || '(anonymous)'}  ${placeOf(url)}:${lineNumber + 1}`;
        break;
      }
      at = parent.get(at);
    }
    callers.set(caller, (callers.get(caller) ?? 0) + us);
  }
  const table = (entries: Map<string, number>) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), '%': Math.round((1000 * us) / total) / 10 }));
  console.log(`${file}: ${Math.round(total / 1000)} ms sampled`);
  console.log('By package or file (self time):');
  console.table(table(places));
  console.log('By function (self time):');
  console.table(table(functions));
  console.log('By nearest project caller (self time of everything it called):');
  console.table(table(callers));
}

main();
