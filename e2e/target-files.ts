/**
 * What the run commits to the throwaway target repository for the deploy workflow to read:
 * the endpoint spec, the deployment spec and the sample request the configuration names.
 */
import type { EnvironmentConfig } from '../lib/config';
import { ENDPOINT_TAG, FEATURES, SMALLEST_SKU } from './names';

export function targetFiles(config: EnvironmentConfig): { path: string; content: string }[] {
  const target = config.targets[0];
  const header = [
    '# Written by the end-to-end run of aml-deploy-pipeline (e2e/ there); every run',
    '# rewrites it.',
  ];
  const sample = {
    input_data: {
      columns: [...FEATURES],
      index: [0, 1],
      data: [
        [5.1, 3.5, 1.4, 0.2],
        [6.7, 3.0, 5.2, 2.3],
      ],
    },
  };
  return [
    {
      path: target.endpointSpec,
      content: [
        ...header,
        '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json',
        `name: ${target.endpoint}`,
        'auth_mode: key',
        'tags:',
        `  ${ENDPOINT_TAG}: 'true'`,
        '',
      ].join('\n'),
    },
    {
      path: target.deploymentSpec,
      content: [
        ...header,
        '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json',
        '# An MLflow model: Azure ML generates the scoring script and environment (no-code',
        '# deployment). The rollout replaces the model with the version it deploys.',
        `model: azureml:${target.model}:1`,
        `instance_type: ${SMALLEST_SKU}`,
        'instance_count: 1',
        "# The container installs the model's Python packages when it starts; on one vCPU that",
        '# takes minutes, so the probes wait longer than their defaults (30 failures, 10 s apart).',
        'liveness_probe:',
        '  initial_delay: 30',
        '  failure_threshold: 60',
        'readiness_probe:',
        '  initial_delay: 30',
        '  failure_threshold: 60',
        '',
      ].join('\n'),
    },
    ...(target.smokeTestRequest
      ? [{ path: target.smokeTestRequest, content: `${JSON.stringify(sample, null, 2)}\n` }]
      : []),
  ];
}
