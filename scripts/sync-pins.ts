/**
 * Copies the action pins of this repository's workflows (.github/workflows, which Dependabot
 * updates) into the workflow committed to model repositories (workflows/, which Dependabot
 * does not see, since it is not under .github):
 *
 *   npm run sync-pins
 *
 * Run it on a Dependabot pull request that bumps an action: a test keeps one pin per action
 * across the repository and fails until then.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** `uses: owner/action@<sha> # vX.Y.Z`, as the pin check requires them. */
const USES = /^(\s*(?:-\s+)?uses:\s*)([^@\s]+)@([0-9a-f]{40})(\s+#\s*)(v\d+(?:\.\d+){0,2})\s*$/;

/** Each action's pin in `texts`: action (lowercased) → `<sha> # <version>`. */
export function pinsOf(texts: readonly string[]): Map<string, { sha: string; version: string }> {
  const pins = new Map<string, { sha: string; version: string }>();
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const m = USES.exec(line);
      if (m) pins.set(m[2].toLowerCase(), { sha: m[3], version: m[5] });
    }
  }
  return pins;
}

/** `text` with every pinned `uses:` line of an action in `pins` set to that pin. */
export function withPins(
  text: string,
  pins: ReadonlyMap<string, { sha: string; version: string }>,
): string {
  return text
    .split('\n')
    .map((line) => {
      const m = USES.exec(line);
      const pin = m && pins.get(m[2].toLowerCase());
      return pin ? `${m[1]}${m[2]}@${pin.sha}${m[4]}${pin.version}` : line;
    })
    .join('\n');
}

function main(): void {
  const root = resolve(__dirname, '..');
  const yamlIn = (folder: string) =>
    readdirSync(join(root, folder))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => join(root, folder, f));
  const pins = pinsOf(yamlIn('.github/workflows').map((f) => readFileSync(f, 'utf8')));
  for (const file of yamlIn('workflows')) {
    const before = readFileSync(file, 'utf8');
    const after = withPins(before, pins);
    if (after !== before) {
      writeFileSync(file, after);
      console.log(`updated ${file.slice(root.length + 1)}`);
    }
  }
}

if (require.main === module) main();
