/**
 * The workflows as a whole: the supply chain of every action they use, one Terraform
 * version, and one list of environments (config/bootstrap.json) that the deploy chain and
 * the diff follow.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { applyEnvironment } from '../lib/bootstrap-config';
import { projectRoot } from './support/synth';

const folders = ['workflows', '.github/workflows'];
const files = folders.flatMap((folder) =>
  readdirSync(join(projectRoot, folder))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => `${folder}/${f}`),
);
const read = (file: string) => readFileSync(join(projectRoot, file), 'utf8');

/** Every `uses:` line: file, the action, the ref and the version comment. */
const uses = files.flatMap((file) =>
  read(file)
    .split('\n')
    .map((line) => /^\s*(?:-\s+)?uses:\s*(\S+?)(?:@(\S+))?(?:\s+#\s*(.*))?\s*$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, action, ref, comment]) => ({ file, action, ref, comment })),
);

/** A full commit SHA, with the version it is in a comment (what Dependabot updates). */
function pinned(ref: string | undefined, comment: string | undefined): boolean {
  return /^[0-9a-f]{40}$/.test(ref ?? '') && /^v\d+(\.\d+){0,2}$/.test(comment ?? '');
}

describe('supply chain', () => {
  test('the workflows use actions', () => {
    expect(uses.length).toBeGreaterThan(10);
    expect(files).toEqual(
      expect.arrayContaining(['workflows/deploy-model.yml', '.github/workflows/ci.yml']),
    );
  });

  test('every third-party action is pinned by full commit SHA, with its version in a comment', () => {
    const unpinned = uses
      .filter((u) => !u.action.startsWith('./'))
      .filter(
        (u) => !/^[0-9a-f]{40}$/.test(u.ref ?? '') || !/^v\d+(\.\d+){0,2}$/.test(u.comment ?? ''),
      )
      .map((u) => `${u.file}: ${u.action}@${u.ref ?? ''} ${u.comment ?? ''}`);
    expect(unpinned).toEqual([]);
  });

  test('the check fails on a tag, a short SHA or a missing comment', () => {
    expect(pinned('v6', undefined)).toBe(false);
    expect(pinned('d23441a', 'v6.1.0')).toBe(false);
    expect(pinned('d23441a48e516b6c34aea4fa41551a30e30af803', undefined)).toBe(false);
    expect(pinned('d23441a48e516b6c34aea4fa41551a30e30af803', 'v6.1.0')).toBe(true);
  });

  test('one pin per action across the repository, so the committed workflow follows Dependabot', () => {
    const pins = new Map<string, Set<string>>();
    for (const u of uses.filter((x) => !x.action.startsWith('./'))) {
      const key = u.action.toLowerCase();
      pins.set(key, new Set([...(pins.get(key) ?? []), `${u.ref} # ${u.comment}`]));
    }
    const several = [...pins]
      .filter(([, p]) => p.size > 1)
      .map(([a, p]) => `${a}: ${[...p].join(', ')}`);
    expect(several).toEqual([]);
    // Every action of the committed workflow is also used here, where Dependabot updates it.
    const here = new Set(
      uses.filter((u) => u.file.startsWith('.github/')).map((u) => u.action.toLowerCase()),
    );
    const committed = uses
      .filter((u) => u.file.startsWith('workflows/'))
      .map((u) => u.action.toLowerCase());
    expect(committed.filter((a) => !here.has(a))).toEqual([]);
  });

  test('Dependabot updates the npm packages, the actions and the e2e Python packages', () => {
    const config = parse(read('.github/dependabot.yml'));
    expect(config.updates.map((u: any) => [u['package-ecosystem'], u.directory])).toEqual([
      ['npm', '/'],
      ['github-actions', '/'],
      ['pip', '/e2e'],
    ]);
  });
});

test('every Terraform set-up takes the version in .terraform-version, one new enough for the stacks', () => {
  const version = read('.terraform-version').trim();
  const [major, minor] = version.split('.').map(Number);
  // Write-only arguments (Key Vault's value_wo) need 1.11; ephemeral variables 1.10.
  expect(major === 1 && minor >= 11).toBe(true);
  for (const file of files) {
    const workflow = parse(read(file));
    for (const job of Object.values<any>(workflow.jobs ?? {})) {
      for (const step of job.steps ?? []) {
        if (!String(step.uses ?? '').startsWith('hashicorp/setup-terraform@')) continue;
        expect([file, step.with.terraform_version]).toEqual([
          file,
          '${{ steps.terraform-version.outputs.version }}',
        ]);
        const reader = job.steps.find((s: any) => s.id === 'terraform-version');
        expect(reader.run).toBe('echo "version=$(cat .terraform-version)" >> "$GITHUB_OUTPUT"');
      }
    }
  }
});

describe('one list of environments: config/bootstrap.json', () => {
  const bootstrap = JSON.parse(read('config/bootstrap.json'));
  const deploy = parse(read('.github/workflows/deploy.yml'));
  const stackWorkflow = parse(read('.github/workflows/deploy-stack.yml'));

  test('deploy.yml deploys each environment, in that order, each after the one before', () => {
    const jobs = Object.entries<any>(deploy.jobs);
    expect(jobs.map(([, j]) => j.with.environment)).toEqual(bootstrap.environments);
    jobs.forEach(([, job], i) => {
      expect(job.uses).toBe('./.github/workflows/deploy-stack.yml');
      expect(job.needs).toEqual(i === 0 ? undefined : jobs[i - 1][0]);
    });
  });

  test('each deploy runs in the GitHub environment the apply identity trusts for it', () => {
    const job = stackWorkflow.jobs.deploy;
    // What applyEnvironment() in lib/bootstrap-config.ts builds, for the input.
    expect(job.environment).toBe(applyEnvironment('${{ inputs.environment }}'));
  });

  test('diff.yml reads its matrix from config/bootstrap.json', () => {
    const diff = parse(read('.github/workflows/diff.yml'));
    expect(diff.jobs.environments.steps.at(-1).run).toContain(
      'require("./config/bootstrap.json").environments',
    );
    expect(diff.jobs.stack.strategy.matrix.environment).toBe(
      '${{ fromJSON(needs.environments.outputs.list) }}',
    );
  });
});
