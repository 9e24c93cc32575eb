import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The 98 municipality codes. The repo keeps its own copy so a node does not depend on ../shared.
const file = fileURLToPath(new URL('../../../../contracts/municipalities.json', import.meta.url));
const list = JSON.parse(readFileSync(file, 'utf8')).municipalities as { code: string; name: string }[];

export const municipalityNames: ReadonlyMap<string, string> = new Map(list.map((m) => [m.code, m.name]));

export function municipalityName(code: string): string {
  return municipalityNames.get(code) ?? code;
}
