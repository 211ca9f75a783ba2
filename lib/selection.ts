/**
 * What the two environment variables of the app select, checked with messages that say
 * what was given and what is accepted. Pure: main.ts reads the variables and the folder.
 *
 *   AML_DEPLOY_CONFIG_DIR    the folder of environment files (default `config`), relative
 *                            to the project root or absolute
 *   AML_DEPLOY_ENVIRONMENTS  comma-separated environment names (default `example`);
 *                            `bootstrap` selects the bootstrap stack
 */
import { closest, show } from './schema';

export const CONFIG_DIR_VARIABLE = 'AML_DEPLOY_CONFIG_DIR';
export const ENVIRONMENTS_VARIABLE = 'AML_DEPLOY_ENVIRONMENTS';
export const DEFAULT_CONFIG_DIR = 'config';
export const DEFAULT_ENVIRONMENT = 'example';

/** What the folder setting names, as a person reads it; `kind` from the file system. */
export function checkConfigDir(
  raw: string | undefined,
  kind: (dir: string) => 'folder' | 'file' | 'missing',
  projectRoot: string,
): { dir: string } | { problem: string } {
  const dir = raw ?? DEFAULT_CONFIG_DIR;
  const expected = `expected a folder of <environment>.json files, relative to the project root (${projectRoot}) or absolute; leave it unset for ${show(DEFAULT_CONFIG_DIR)}`;
  if (dir.trim() === '')
    return { problem: `${CONFIG_DIR_VARIABLE}: ${show(dir)} is empty; ${expected}` };
  const found = kind(dir);
  if (found === 'folder') return { dir };
  const what = found === 'file' ? 'is a file, not a folder' : 'does not exist';
  return { problem: `${CONFIG_DIR_VARIABLE}: ${show(dir)} ${what}; ${expected}` };
}

/**
 * The names `AML_DEPLOY_ENVIRONMENTS` selects, each once, or every problem with it.
 * `available`: the base names of the `.json` files in the folder (`bootstrap` included).
 */
export function parseEnvironmentSelection(
  raw: string | undefined,
  available: readonly string[],
  configDir: string,
): { names: string[]; problems: string[] } {
  const listing = available.length ? available.join(', ') : `none: ${configDir} has no .json file`;
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
