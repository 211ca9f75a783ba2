import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
// Types of the matchers setupJest registers (toHaveResourceWithProperties, ...).
import type {} from 'cdktf/lib/testing/adapters/jest';
import { parseEnvironmentConfig } from '../../lib/config';
import type { EnvironmentConfig } from '../../lib/config';
import { stackName } from '../../lib/naming';
import { loadCommittedFiles } from '../../main';
import { AmlDeployStack } from '../../stacks/aml-deploy-stack';

// Registered here, not globally: only the files that synthesize pay for loading cdktf.
Testing.setupJest();

export const projectRoot = join(__dirname, '..', '..');

/** The committed example configuration as JSON, to derive test variants from. */
export function exampleJson(): any {
  return JSON.parse(readFileSync(join(projectRoot, 'config', 'example.json'), 'utf8'));
}

/** Validates a configuration the way main.ts does; throws on problems. */
export function configFrom(json: unknown, file = 'config/example.json'): EnvironmentConfig {
  const r = parseEnvironmentConfig(file, JSON.stringify(json));
  if ('problems' in r) throw new Error(r.problems.join('\n'));
  return r.config;
}

/** Synthesizes one environment's stack; returns the Terraform JSON text. */
export function synthStack(config: EnvironmentConfig): string {
  const app = Testing.app();
  const stack = new AmlDeployStack(app, stackName(config.name), {
    config,
    committedFiles: loadCommittedFiles(projectRoot),
  });
  return Testing.synth(stack);
}

/** The resources of one type in synthesized JSON, keyed by logical ID. */
export function resourcesOf(synthesized: string, type: string): Record<string, any> {
  return JSON.parse(synthesized).resource?.[type] ?? {};
}
