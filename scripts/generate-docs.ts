/**
 * Writes what is generated from the configuration schema (`docs/configuration.md` and the
 * JSON Schemas in `schemas/`) and from the dispatch contract (the regions of the workflows
 * and of docs/rollout.md that scripts/workflow-blocks.ts fills). `npm run docs`;
 * `__tests__/generated-docs.test.ts` fails when a committed copy differs from a fresh
 * generation.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bootstrapSchema } from '../lib/bootstrap-config';
import { environmentSchema } from '../lib/config';
import type { Rule } from '../lib/schema';
import { configurationReference, jsonSchemaDocument, type SchemaFile } from '../lib/schema-docs';
import { workflowFiles } from './workflow-blocks';

const ROOT = resolve(__dirname, '..');

const ENVIRONMENT: SchemaFile = {
  title: 'Environment files',
  path: 'config/<environment>.json',
  intro:
    'One file per environment; its base name is the environment name (`config/staging.json` is `staging`, stack `aml-deploy-staging`). `AML_DEPLOY_ENVIRONMENTS` selects which ones the app synthesizes.',
  rule: environmentSchema as Rule<unknown>,
};

const BOOTSTRAP: SchemaFile = {
  title: 'The bootstrap file',
  path: 'config/bootstrap.json',
  intro:
    "The bootstrap stack of a team (docs/team-workflow.md): the state storage, and the plan and apply identities of this repository's workflows. Selected with `AML_DEPLOY_ENVIRONMENTS=bootstrap`.",
  rule: bootstrapSchema as Rule<unknown>,
};

/** Every generated file: its path in the repository and its text. */
export function generatedFiles(
  read: (path: string) => string = (path) => readFileSync(join(ROOT, path), 'utf8'),
): Record<string, string> {
  const json = (file: SchemaFile, name: string) =>
    `${JSON.stringify(jsonSchemaDocument(file, `https://aml-deploy-pipeline/schemas/${name}`), null, 2)}\n`;
  return {
    'docs/configuration.md': configurationReference([ENVIRONMENT, BOOTSTRAP]),
    'schemas/environment.schema.json': json(ENVIRONMENT, 'environment.schema.json'),
    'schemas/bootstrap.schema.json': json(BOOTSTRAP, 'bootstrap.schema.json'),
    ...workflowFiles(read),
  };
}

if (require.main === module) {
  for (const [path, text] of Object.entries(generatedFiles())) {
    writeFileSync(join(ROOT, path), text);
    process.stdout.write(`wrote ${path}\n`);
  }
}
