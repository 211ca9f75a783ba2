/**
 * The parts of the committed workflows and docs that the contracts define, generated from
 * them by `npm run docs` (scripts/generate-docs.ts): the payload's inputs, the jobs that
 * pass it from stage to stage, the stage's inputs, outputs and `env:`, and the payload table
 * of docs/rollout.md. Each sits in the file between two marker comments; the rest of the
 * file is written by hand. `__tests__/generated-docs.test.ts` fails when one is stale.
 */
import {
  HANDED_ON,
  PAYLOAD,
  PAYLOAD_DOCS,
  payloadFields,
  type PayloadField,
} from '../lib/dispatch-contract';
import { MAX_PROMOTIONS } from '../lib/promotion';
import { STAGE_WORKFLOW_PATH } from '../lib/workflow-contract';
import { ENVIRONMENT_VARIABLES, PROMOTION_INPUTS } from '../rollout/inputs';
import { STEP_OUTPUTS } from '../rollout/run';

const SOURCE = 'lib/dispatch-contract.ts';

/** A GitHub Actions expression. */
const expr = (expression: string): string => `\${{ ${expression} }}`;

/** The payload field as the event, or else the person, gave it. */
const given = (key: string): string => expr(`github.event.client_payload.${key} || inputs.${key}`);

/** What the promotion inputs mean, for the workflows' input descriptions. */
const PROMOTION_INPUT_DOCS = {
  promotedFrom: {
    byHand:
      'Optional; promote by hand from this environment (the one that feeds the chosen environment)',
    stage: 'The environment that passed the version on; empty unless a promotion',
  },
  promotedInRun: { stage: 'Whether that environment passed it in this workflow run' },
} as const;

/** The stage's outputs, with their descriptions: what a promotion job reads. */
function stageOutputs(): [name: string, description: string][] {
  return [
    [
      STEP_OUTPUTS.promoteTo,
      "The next stage's GitHub environment; empty when the version goes no further",
    ],
    ...HANDED_ON.map((name): [string, string] => [
      PAYLOAD[name].key,
      name === 'environment'
        ? "This stage's GitHub environment"
        : `The ${PAYLOAD[name].key} input, as this stage checked it`,
    ]),
  ];
}

function input(
  key: string,
  description: string,
  field: Pick<PayloadField, 'required'> & { type: string },
): string[] {
  return [
    `${key}:`,
    `  description: ${description}`,
    `  required: ${field.required}`,
    `  type: ${field.type}`,
    ...(field.required ? [] : [`  default: ${field.type === 'boolean' ? 'false' : "''"}`]),
  ];
}

/** deploy-model.yml, `on.workflow_dispatch.inputs`: the payload, and a promotion by hand. */
function dispatchInputs(): string[] {
  return [
    ...payloadFields().flatMap(([name, f]) =>
      input(f.key, PAYLOAD_DOCS[name].input, { required: f.required, type: f.inputType }),
    ),
    ...input(PROMOTION_INPUTS.promotedFrom.key, PROMOTION_INPUT_DOCS.promotedFrom.byHand, {
      required: false,
      type: 'string',
    }),
  ];
}

/** deploy-model.yml, `jobs`: the first stage, then one job per promotion. */
function jobs(): string[] {
  const stage = `./${STAGE_WORKFLOW_PATH}`;
  const permissions = ['  permissions:', '    id-token: write', '    contents: read'];
  const first = [
    '# The environment the event (or the person) names. The stages run',
    `# ${STAGE_WORKFLOW_PATH}, committed with this file.`,
    'deploy:',
    `  uses: ${stage}`,
    "  # What the stage's job needs: an OIDC token for Azure, and the repository.",
    ...permissions,
    '  # Event data reaches the stage as inputs, then the rollout through `env:`, never `run:`.',
    '  with:',
    ...payloadFields().map(([, f]) => `    ${f.key}: ${given(f.key)}`),
    `    ${PROMOTION_INPUTS.promotedFrom.key}: ${expr(`inputs.${PROMOTION_INPUTS.promotedFrom.key}`)}`,
  ];
  const promotions = Array.from({ length: MAX_PROMOTIONS }, (_, i) => {
    const previous = i === 0 ? 'deploy' : `promote-${i}`;
    const output = (name: string): string => expr(`needs.${previous}.outputs.${name}`);
    const value = (f: PayloadField): string | undefined =>
      ({
        checked: output(f.key),
        next: output(STEP_OUTPUTS.promoteTo),
        event: given(f.key),
        own: undefined,
      })[f.promotedAs];
    return [
      '',
      `# Promotion ${i + 1}: the next environment of the chain, once its reviewers approve. The same`,
      '# version (as the stage before checked it), from the registry the stage before shared it',
      '# into, or from the workspace the two environments share.',
      `promote-${i + 1}:`,
      `  needs: ${previous}`,
      `  if: needs.${previous}.outputs.${STEP_OUTPUTS.promoteTo} != ''`,
      `  uses: ${stage}`,
      ...permissions,
      '  with:',
      ...payloadFields().flatMap(([, f]) => {
        const v = value(f);
        return v === undefined ? [] : [`    ${f.key}: ${v}`];
      }),
      `    ${PROMOTION_INPUTS.promotedFrom.key}: ${output(PAYLOAD.environment.key)}`,
      `    ${PROMOTION_INPUTS.promotedInRun.key}: true`,
    ];
  });
  return [...first, ...promotions.flat()];
}

/** deploy-stage.yml, `on.workflow_call.inputs`. */
function callInputs(): string[] {
  return [
    ...payloadFields().flatMap(([name, f]) =>
      input(f.key, PAYLOAD_DOCS[name].input, { required: f.required, type: 'string' }),
    ),
    ...input(PROMOTION_INPUTS.promotedFrom.key, PROMOTION_INPUT_DOCS.promotedFrom.stage, {
      required: false,
      type: 'string',
    }),
    ...input(PROMOTION_INPUTS.promotedInRun.key, PROMOTION_INPUT_DOCS.promotedInRun.stage, {
      required: false,
      type: 'boolean',
    }),
  ];
}

/** deploy-stage.yml, `on.workflow_call.outputs`. */
function callOutputs(): string[] {
  return stageOutputs().flatMap(([name, description]) => [
    `${name}:`,
    `  description: ${description}`,
    `  value: ${expr(`jobs.stage.outputs.${name}`)}`,
  ]);
}

/** deploy-stage.yml, the job's `outputs`: the rollout step's. */
function jobOutputs(): string[] {
  return stageOutputs().map(([name]) => `${name}: ${expr(`steps.deploy.outputs.${name}`)}`);
}

/** deploy-stage.yml, the job's `env`: what the rollout reads (rollout/inputs.ts). */
function stageEnv(): string[] {
  return [
    ...payloadFields().map(([, f]) => `${f.variable}: ${expr(`inputs.${f.key}`)}`),
    ...Object.values(PROMOTION_INPUTS).map((p) => `${p.variable}: ${expr(`inputs.${p.key}`)}`),
    ...Object.values(ENVIRONMENT_VARIABLES).map((v) => `${v}: ${expr(`vars.${v}`)}`),
  ];
}

/** docs/rollout.md: the payload's keys and what they mean. */
function payloadTable(): string[] {
  const rows = payloadFields().map(([name, f]) => [`\`${f.key}\``, PAYLOAD_DOCS[name].meaning]);
  const header = ['Key', 'Meaning'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  // Blank lines around it, as Markdown (and prettier) want around a table.
  const rule = `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`;
  return ['', line(header), rule, ...rows.map(line), ''];
}

type Comment = (text: string) => string;
const yamlComment: Comment = (text) => `# ${text}`;
const htmlComment: Comment = (text) => `<!-- ${text} -->`;

/** Each file's generated regions, by name. */
const WORKFLOW_BLOCKS: Record<
  string,
  { readonly comment: Comment; readonly blocks: Record<string, () => string[]> }
> = {
  'workflows/deploy-model.yml': {
    comment: yamlComment,
    blocks: { 'dispatch-inputs': dispatchInputs, jobs },
  },
  'workflows/deploy-stage.yml': {
    comment: yamlComment,
    blocks: {
      'call-inputs': callInputs,
      'call-outputs': callOutputs,
      'job-outputs': jobOutputs,
      env: stageEnv,
    },
  },
  'docs/rollout.md': { comment: htmlComment, blocks: { 'payload-table': payloadTable } },
};

const begin = (name: string) => `generated by \`npm run docs\` from ${SOURCE}: ${name}`;
const end = (name: string) => `end of generated: ${name}`;

/**
 * `text` with every region of `blocks` filled in afresh, at the indentation of its opening
 * marker. Throws when a region's markers are missing, or the file has a region not listed.
 */
export function fillRegions(
  file: string,
  text: string,
  comment: Comment,
  blocks: Record<string, () => string[]>,
): string {
  const lines = text.split('\n');
  const out: string[] = [];
  const seen = new Set<string>();
  const opening = /^(\s*)(.*)$/;
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]);
    const [, indent, rest] = opening.exec(lines[i])!;
    const name = Object.keys(blocks).find((n) => rest === comment(begin(n)));
    if (name === undefined) {
      if (rest.includes(begin(''))) {
        throw new Error(`${file}:${i + 1}: a generated region this generator does not know`);
      }
      continue;
    }
    const close = lines.findIndex((l, j) => j > i && l.trim() === comment(end(name)));
    if (close === -1) throw new Error(`${file}: region ${name} has no end marker`);
    out.push(...blocks[name]().map((l) => (l === '' ? '' : `${indent}${l}`)), lines[close]);
    seen.add(name);
    i = close;
  }
  const missing = Object.keys(blocks).filter((n) => !seen.has(n));
  if (missing.length > 0) throw new Error(`${file}: no region ${missing.join(', ')}`);
  return out.join('\n');
}

/** The generated files' new texts, given their current ones. */
export function workflowFiles(read: (path: string) => string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(WORKFLOW_BLOCKS).map(([file, { comment, blocks }]) => [
      file,
      fillRegions(file, read(file), comment, blocks),
    ]),
  );
}
