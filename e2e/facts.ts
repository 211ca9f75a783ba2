/**
 * What the steps leave for later ones: step outputs (`GITHUB_OUTPUT`) that the workflow
 * passes on, and a small JSON file of facts (`E2E_FACTS_FILE`, default
 * `$RUNNER_TEMP/aml-deploy-e2e-facts.json`) that the summary step shows.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { outputLine } from '../rollout/report';
import { value, type Env } from './config';

export interface RunFact {
  readonly label: string;
  readonly id: number;
  readonly number: number;
  readonly url: string;
  readonly status: string | null;
  readonly conclusion: string | null;
}

export interface Facts {
  environment?: string;
  target?: string;
  model?: string;
  endpoint?: string;
  namePrefix?: string;
  version?: string;
  assets?: { path: string; action: string }[];
  runs?: RunFact[];
  serving?: { label: string; ok: boolean; message: string }[];
  endpointsDeleted?: string[];
  endpointsNotDeleted?: string[];
}

function factsFile(env: Env): string | undefined {
  const explicit = value(env, 'E2E_FACTS_FILE');
  if (explicit) return explicit;
  const temp = value(env, 'RUNNER_TEMP');
  return temp ? join(temp, 'aml-deploy-e2e-facts.json') : undefined;
}

export function readFacts(env: Env): Facts {
  const file = factsFile(env);
  if (!file || !existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Facts;
  } catch {
    return {};
  }
}

export function recordFacts(env: Env, update: (facts: Facts) => Facts): void {
  const file = factsFile(env);
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(update(readFacts(env)), null, 2)}\n`);
}

/** Step outputs, one line each (as the rollout writes them); nowhere outside Actions. */
export function setOutputs(env: Env, outputs: Record<string, string>): void {
  const file = value(env, 'GITHUB_OUTPUT');
  if (!file) return;
  for (const [name, v] of Object.entries(outputs)) appendFileSync(file, outputLine(name, v));
}
