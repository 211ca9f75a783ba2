import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

function git(args: string[]): string[] {
  const r = spawnSync('git', [...args, '-z'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.split('\0').filter(Boolean);
}

/**
 * The project's files as a fresh clone has them, relative to the project root: the tracked
 * ones, and new source files not yet committed, but no environment file of config/ that git
 * does not track: a user's own `config/<env>.json` is not part of the project.
 */
export function cloneFiles(): string[] {
  // Asked git once per test file, not once per test: tests copy from the project and never
  // add to it.
  files ??= [
    ...git(['ls-files', '--cached']),
    ...git(['ls-files', '--others', '--exclude-standard']).filter((f) => !f.startsWith('config/')),
  ];
  return [...files];
}

let files: string[] | undefined;
