/**
 * What the two environment variables of the app select, checked with messages that say
 * what was given and what is accepted. Pure: main.ts reads the variables and the folder.
 *
 *   AML_DEPLOY_CONFIG_DIR    the folder of environment files (default `config`), relative
 *                            to the project root or absolute
 *   AML_DEPLOY_ENVIRONMENTS  comma-separated environment names (default `example`);
 *                            `bootstrap` selects the bootstrap stack
 */
import { closest, isPlainObject, show } from './schema';

/**
 * The sections that make a JSON file an environment file: any one of them. A `.json` file of
 * the folder with none (package.json, tsconfig.json, when the folder is the project root) is
 * JSON of another kind.
 */
const ENVIRONMENT_SECTIONS = ['azure', 'github', 'targets', 'trigger'] as const;

/**
 * Whether parsed JSON is of another kind than an environment file: an object with none of
 * its sections. Anything else (a broken file included) counts as an environment file, so
 * selecting it reports what is wrong with it.
 */
export function isOtherJson(json: unknown): boolean {
  return isPlainObject(json) && !ENVIRONMENT_SECTIONS.some((k) => Object.hasOwn(json, k));
}

export const CONFIG_DIR_VARIABLE = 'AML_DEPLOY_CONFIG_DIR';
export const ENVIRONMENTS_VARIABLE = 'AML_DEPLOY_ENVIRONMENTS';
export const DEFAULT_CONFIG_DIR = 'config';
const DEFAULT_ENVIRONMENT = 'example';

/** What is at a path, from the file system; `unreadable`: why it cannot be looked at. */
export type PathKind = 'folder' | 'file' | 'missing' | { readonly unreadable: string };

/** What the folder setting names, as a person reads it; `kind` from the file system. */
export function checkConfigDir(
  raw: string | undefined,
  kind: (dir: string) => PathKind,
  projectRoot: string,
): { dir: string } | { problem: string } {
  const dir = raw ?? DEFAULT_CONFIG_DIR;
  const expected = `expected a folder of <environment>.json files, relative to the project root (${projectRoot}) or absolute; leave it unset for ${show(DEFAULT_CONFIG_DIR)}`;
  if (dir.trim() === '')
    return { problem: `${CONFIG_DIR_VARIABLE}: ${show(dir)} is empty; ${expected}` };
  const found = kind(dir);
  if (found === 'folder') return { dir };
  const what =
    found === 'file'
      ? 'is a file, not a folder'
      : found === 'missing'
        ? 'does not exist'
        : found.unreadable;
  return { problem: `${CONFIG_DIR_VARIABLE}: ${show(dir)} ${what}; ${expected}` };
}

/**
 * The names `AML_DEPLOY_ENVIRONMENTS` selects, each once, or every problem with it.
 * `available`: the base names of the environment files in the folder (`bootstrap`
 * included); `otherJson`: those of its other `.json` files (package.json, tsconfig.json),
 * which are named as such rather than offered as environments.
 */
export function parseEnvironmentSelection(
  raw: string | undefined,
  available: readonly string[],
  configDir: string,
  otherJson: readonly string[] = [],
): { names: string[]; problems: string[] } {
  const others = otherJson.length
    ? ` (${otherJson.map((n) => `${n}.json`).join(', ')} ${otherJson.length === 1 ? 'is' : 'are'} JSON of another kind)`
    : '';
  const listing = available.length
    ? available.join(', ')
    : `none: ${configDir} has no environment file${others}`;
  const expected = `expected a comma-separated list of ${listing}`;
  if (raw === undefined) raw = DEFAULT_ENVIRONMENT;
  if (raw.trim() === '') {
    return {
      names: [],
      problems: [
        `${ENVIRONMENTS_VARIABLE}: is empty; ${expected}, or leave it unset for ${show(DEFAULT_ENVIRONMENT)}`,
      ],
    };
  }
  const items = raw.split(',').map((s) => s.trim());
  const problems: string[] = [];
  if (items.some((i) => i === '')) {
    problems.push(
      `${ENVIRONMENTS_VARIABLE}: ${show(raw)} has an empty item; ${expected}, separated by single commas (e.g. "staging,production")`,
    );
  }
  const names = [...new Set(items.filter((i) => i !== ''))];
  for (const name of names) {
    if (available.includes(name)) continue;
    if (otherJson.includes(name)) {
      problems.push(
        `${ENVIRONMENTS_VARIABLE}: ${show(name)}: ${configDir}/${name}.json is not an environment file (it has none of the sections ${ENVIRONMENT_SECTIONS.join(', ')}); ${expected}`,
      );
      continue;
    }
    const guess = closest(name, available);
    problems.push(
      `${ENVIRONMENTS_VARIABLE}: ${show(name)} has no ${configDir}/${name}.json; ${expected}${guess ? ` (did you mean ${show(guess)}?)` : ''}`,
    );
  }
  return { names: names.filter((n) => available.includes(n)), problems };
}

/**
 * What the app says after a synth: each stack written and where, and how to reach the
 * stacks it did not write (so `cdktf diff <stack>` on one of them is not a bare
 * "Could not find stack").
 */
export function synthReport(
  written: readonly { readonly stack: string; readonly path: string }[],
  notSelected: readonly { readonly stack: string; readonly environment: string }[],
): string[] {
  const lines = written.map((w) => `${w.stack}: ${w.path}`);
  if (notSelected.length) {
    const example = notSelected[0];
    lines.push(
      `Not synthesized: ${notSelected.map((n) => n.stack).join(', ')}. Select stacks with ${ENVIRONMENTS_VARIABLE}, e.g. ${ENVIRONMENTS_VARIABLE}=${example.environment} npx cdktf diff ${example.stack}`,
    );
  }
  return lines;
}
