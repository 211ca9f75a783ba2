/**
 * The workflows as a whole: the supply chain of every action they use, one Terraform
 * version, and one list of environments (config/bootstrap.json) that the deploy chain and
 * the diff follow.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { applyEnvironment } from '../lib/bootstrap-config';
import { pinsOf, withPins } from '../scripts/sync-pins';
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
      .map(([a, p]) => `${a}: ${[...p].join(', ')} (npm run sync-pins copies .github's pin)`);
    expect(several).toEqual([]);
    // Every action of the committed workflow is also used here, where Dependabot updates it.
    const here = new Set(
      uses.filter((u) => u.file.startsWith('.github/')).map((u) => u.action.toLowerCase()),
    );
    const committed = uses
      .filter((u) => u.file.startsWith('workflows/') && !u.action.startsWith('./'))
      .map((u) => u.action.toLowerCase());
    expect(committed.filter((a) => !here.has(a))).toEqual([]);
  });

  test('npm run sync-pins brings the committed workflow to the pins Dependabot updated', () => {
    const bumped = [
      '      - uses: azure/login@1111111111111111111111111111111111111111 # v3.1.0',
      '      - uses: actions/checkout@2222222222222222222222222222222222222222 # v6.2.0',
    ].join('\n');
    const committed = [
      '      - name: Sign in',
      '        uses: Azure/login@f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca # v3.0.1',
      '      - uses: actions/setup-node@249970729cb0ef3589644e2896645e5dc5ba9c38 # v6.5.0',
    ].join('\n');
    expect(withPins(committed, pinsOf([bumped])).split('\n')).toEqual([
      '      - name: Sign in',
      '        uses: Azure/login@1111111111111111111111111111111111111111 # v3.1.0',
      '      - uses: actions/setup-node@249970729cb0ef3589644e2896645e5dc5ba9c38 # v6.5.0',
    ]);
    // Today's committed workflow already has them.
    const here = pinsOf(files.filter((f) => f.startsWith('.github/')).map((f) => read(f)));
    expect(withPins(read('workflows/deploy-model.yml'), here)).toBe(
      read('workflows/deploy-model.yml'),
    );
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

test('no run: script holds ${{ }}: inputs reach scripts through env, never as shell text', () => {
  for (const file of files) {
    const workflow = parse(read(file));
    for (const [name, job] of Object.entries<any>(workflow.jobs ?? {})) {
      for (const step of job.steps ?? []) {
        expect([file, name, step.name, String(step.run ?? '').includes('${{')]).toEqual([
          file,
          name,
          step.name,
          false,
        ]);
      }
    }
  }
});

test('a job that caches Terraform providers lets the cache serve stacks without a lock file', () => {
  const caching = files.flatMap((file) =>
    Object.values<any>(parse(read(file)).jobs ?? {})
      .filter((job) => job.env?.TF_PLUGIN_CACHE_DIR !== undefined)
      .map((job) => [file, job.env.TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE]),
  );
  expect(caching).toEqual([['.github/workflows/ci.yml', 'true']]);
});

test('e2e: every teardown step runs whatever happened before it (if: always() ...)', () => {
  const steps: any[] = parse(read('.github/workflows/e2e.yml')).jobs.e2e.steps;
  const first = steps.findIndex((s) => s.name === 'Sign in to Azure again (teardown)');
  expect(first).toBeGreaterThan(0);
  const teardown = steps.slice(first);
  expect(teardown.map((s) => s.name)).toContain('cdktf destroy aml-deploy-e2e');
  for (const step of teardown)
    expect([step.name, step.if]).toEqual([step.name, expect.stringMatching(/^always\(\)/)]);
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

  test('each deploy passes secrets: inherit, without which its environment secrets resolve empty', () => {
    for (const job of Object.values<any>(deploy.jobs)) expect(job.secrets).toBe('inherit');
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
