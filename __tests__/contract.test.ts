/**
 * The deploy workflow (workflows/deploy-model.yml) against the names defined once in lib/:
 * the dispatch event type and payload keys (lib/dispatch-contract.ts, which the Logic App
 * sends) and the GitHub variables and secrets (lib/workflow-contract.ts, which the stack
 * publishes). YAML cannot import TypeScript, so this test is what keeps them in step.
 * It also pins the workflow's security rules (permissions, environment, no event data in
 * `run:`), which a later edit could otherwise loosen unnoticed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { parse } from 'yaml';

import { DISPATCH_EVENT_TYPE, PAYLOAD_KEYS } from '../lib/dispatch-contract';
import { COMMITTED_FILES, SECRET_NAMES, VARIABLE_NAMES } from '../lib/workflow-contract';

const ROOT = path.resolve(__dirname, '..');
const WORKFLOW_SOURCE = COMMITTED_FILES[0].source;
const SCRIPT = COMMITTED_FILES[1];

interface Step {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Job {
  permissions?: Record<string, string>;
  environment?: string;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: {
    repository_dispatch: { types: string[] };
    workflow_dispatch: { inputs: Record<string, { required?: boolean; type?: string }> };
  };
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = parse(fs.readFileSync(path.join(ROOT, WORKFLOW_SOURCE), 'utf8')) as Workflow;
const jobs = Object.values(workflow.jobs);
const steps = jobs.flatMap((job) => job.steps);

/** Every string in the parsed workflow (keys and values): comments are not code. */
function strings(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(strings);
  if (node && typeof node === 'object') {
    return Object.entries(node).flatMap(([key, value]) => [key, ...strings(value)]);
  }
  return [];
}
const text = strings(workflow).join('\n');

function matches(pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((m) => m[1]);
}

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

const payloadKeys = sorted(Object.values(PAYLOAD_KEYS));

describe('triggers', () => {
  test('repository_dispatch listens for exactly the event type the Logic App sends', () => {
    expect(workflow.on.repository_dispatch.types).toEqual([DISPATCH_EVENT_TYPE]);
  });

  test('the client_payload keys read are exactly PAYLOAD_KEYS', () => {
    expect(sorted(matches(/github\.event\.client_payload\.(\w+)/g))).toEqual(payloadKeys);
  });

  test('client_payload is read only key by key (no other access to it)', () => {
    const all = text.match(/client_payload/g) ?? [];
    const keyed = text.match(/github\.event\.client_payload\.\w+/g) ?? [];
    expect(all.length).toBe(keyed.length);
  });

  test('workflow_dispatch takes the same names as inputs', () => {
    expect(sorted(Object.keys(workflow.on.workflow_dispatch.inputs))).toEqual(payloadKeys);
  });

  test('model name, version and environment are required inputs; the rest are optional', () => {
    const inputs = workflow.on.workflow_dispatch.inputs;
    const required = Object.keys(inputs).filter((name) => inputs[name].required === true);
    expect(sorted(required)).toEqual(
      sorted([PAYLOAD_KEYS.modelName, PAYLOAD_KEYS.modelVersion, PAYLOAD_KEYS.environment]),
    );
    expect(inputs[PAYLOAD_KEYS.environment].type).toBe('environment');
  });

  test('each payload value falls back to the input of the same name', () => {
    const pairs = [...text.matchAll(/github\.event\.client_payload\.(\w+) \|\| inputs\.(\w+)/g)];
    expect(pairs.length).toBe((text.match(/github\.event\.client_payload\.\w+/g) ?? []).length);
    for (const [, key, input] of pairs) expect(input).toBe(key);
  });
});

describe('variables and secrets', () => {
  test('the vars.X read are exactly VARIABLE_NAMES', () => {
    expect(sorted(matches(/\bvars\.(\w+)/g))).toEqual(sorted(Object.values(VARIABLE_NAMES)));
  });

  test('the secrets.X read are exactly SECRET_NAMES', () => {
    expect(sorted(matches(/\bsecrets\.(\w+)/g))).toEqual(sorted(Object.values(SECRET_NAMES)));
  });
});

describe('security rules', () => {
  test('no permission at workflow level; the job gets id-token: write and contents: read', () => {
    expect(workflow.permissions).toEqual({});
    for (const job of jobs) {
      expect(job.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    }
  });

  test('the job runs in the environment named by the event or the input', () => {
    for (const job of jobs) {
      expect(job.environment).toBe(
        `\${{ github.event.client_payload.${PAYLOAD_KEYS.environment} || inputs.${PAYLOAD_KEYS.environment} }}`,
      );
    }
  });

  test('rollouts of one model are serialised, never cancelled half-way', () => {
    for (const job of jobs) {
      expect(job.concurrency?.['cancel-in-progress']).toBe(false);
      expect(job.concurrency?.group).toContain(
        `github.event.client_payload.${PAYLOAD_KEYS.modelName} || inputs.${PAYLOAD_KEYS.modelName}`,
      );
    }
  });

  test('no ${{ }} expression inside any run: script', () => {
    const runs = steps.filter((step) => step.run !== undefined);
    expect(runs.length).toBeGreaterThan(0);
    for (const step of runs) expect(step.run).not.toContain('${{');
  });

  test('every action is pinned to a major version or a commit', () => {
    const uses = steps.flatMap((step) => (step.uses ? [step.uses] : []));
    expect(uses.length).toBeGreaterThan(0);
    for (const ref of uses) {
      expect(ref).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/);
    }
  });

  test('sign-in uses azure/login@v2: OIDC or the credentials secret, by AZURE_AUTH_MODE', () => {
    const logins = steps.filter((step) => step.uses?.startsWith('azure/login@'));
    expect(logins.map((step) => step.uses)).toEqual(['azure/login@v2', 'azure/login@v2']);
    const oidc = logins.find((step) => step.if?.includes("vars.AZURE_AUTH_MODE == 'oidc'"));
    const secret = logins.find((step) =>
      step.if?.includes("vars.AZURE_AUTH_MODE == 'client-secret'"),
    );
    expect(oidc?.with).toEqual({
      'client-id': `\${{ vars.${VARIABLE_NAMES.clientId} }}`,
      'tenant-id': `\${{ vars.${VARIABLE_NAMES.tenantId} }}`,
      'subscription-id': `\${{ vars.${VARIABLE_NAMES.subscriptionId} }}`,
    });
    expect(secret?.with).toEqual({ creds: `\${{ secrets.${SECRET_NAMES.azureCredentials} }}` });
  });

  test('the request is validated before the sign-in, and sign-in depends on it', () => {
    const validate = steps.findIndex((step) => step.id === 'validate');
    const firstLogin = steps.findIndex((step) => step.uses?.startsWith('azure/login@'));
    expect(validate).toBeGreaterThanOrEqual(0);
    expect(validate).toBeLessThan(firstLogin);
    for (const step of steps.slice(validate + 1)) {
      expect(step.if).toContain("steps.validate.outputs.proceed == 'true'");
    }
  });
});

describe('the rollout script', () => {
  const script = fs.readFileSync(path.join(ROOT, SCRIPT.source), 'utf8');

  test('is committed in a subfolder of .github/workflows/, where GitHub runs no workflow', () => {
    // Under .github/workflows/ only a token with the Workflows permission can change it (the
    // dispatch token cannot); GitHub runs only *.yml / *.yaml directly in .github/workflows.
    expect(SCRIPT.source).toBe('workflows/rollout.sh');
    expect(SCRIPT.path).toMatch(/^\.github\/workflows\/[\w.-]+\/[\w.-]+$/);
    expect(SCRIPT.path).not.toMatch(/\.ya?ml$/);
  });

  test('every run: step calls the script at the path the stack commits it to', () => {
    for (const step of steps.filter((s) => s.run !== undefined)) {
      expect(step.run).toMatch(
        new RegExp(`^bash ${SCRIPT.path.replace(/\./g, '\\.')} (validate|deploy|not-started)$`),
      );
    }
  });

  test('the script reads every variable the job sets, and the job sets all it reads', () => {
    const jobEnv = jobs.flatMap((job) => Object.keys(job.env ?? {}));
    const stepEnv = steps.flatMap((step) => Object.keys(step.env ?? {}));
    // The script's inputs, as it declares them: NAME="${NAME-}" (or ${NAME-} for optional ones).
    const read = sorted(
      [...script.matchAll(/\$\{([A-Z][A-Z0-9_]*)-\}/g)]
        .map((m) => m[1])
        // Set by GitHub Actions itself.
        .filter((name) => !/^(GITHUB|RUNNER)_/.test(name)),
    );
    expect(sorted([...jobEnv, ...stepEnv])).toEqual(read);
  });
});
