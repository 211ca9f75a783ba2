/**
 * The bootstrap file's rules added for first contact with Azure: the state storage's
 * redundancy against the region's zones and pair, regions of other clouds, reserved tag
 * prefixes, and the warning for a restricted-access region. (The stack and the other rules:
 * bootstrap-stack.test.ts.)
 */
import { bootstrapWarnings, parseBootstrapConfig } from '../lib/bootstrap-config';
import {
  BOOTSTRAP,
  BOOTSTRAP_ACCEPTANCES,
  BOOTSTRAP_FILE,
  BOOTSTRAP_REFUSALS,
  variant,
} from './support/config-fixtures';

describe.each(BOOTSTRAP_REFUSALS.map((r) => [r.name, r] as const))('%s', (_name, r) => {
  test('is reported with its exact message', () => {
    expect(parseBootstrapConfig(r.file, r.source)).toEqual({ problems: r.problems });
  });
});

describe.each(BOOTSTRAP_ACCEPTANCES.map((a) => [a.name, a] as const))('%s', (_name, a) => {
  test('is accepted', () => {
    const r = parseBootstrapConfig(a.file, JSON.stringify(a.json));
    if ('problems' in r) throw new Error(r.problems.join('\n'));
  });
});

function configAt(location: string) {
  const r = parseBootstrapConfig(
    BOOTSTRAP_FILE,
    JSON.stringify(
      variant(BOOTSTRAP, (c) => {
        c.azure.location = location;
        delete c.stateStorage.replication;
      }),
    ),
  );
  if ('problems' in r) throw new Error(r.problems.join('\n'));
  return r.config;
}

test('the default replication never needs a pair: ZRS where there are zones, LRS elsewhere', () => {
  expect(configAt('italynorth').stateStorage.replication).toBe('ZRS');
  expect(configAt('germanynorth').stateStorage.replication).toBe('LRS');
});

test('a restricted-access region is accepted, with a warning', () => {
  expect(bootstrapWarnings(configAt('norwaywest'))).toEqual([
    'config/bootstrap.json: azure.location: "norwaywest" is a restricted-access region: Microsoft opens it to a subscription only on request (https://learn.microsoft.com/troubleshoot/azure/general/region-access-request-process); without that, the deploy fails when it creates the first resource there',
  ]);
  expect(bootstrapWarnings(configAt('japaneast'))).toEqual([]);
});

test('the tenant and subscription reach the stack in lower case', () => {
  const r = parseBootstrapConfig(
    BOOTSTRAP_FILE,
    JSON.stringify(
      variant(BOOTSTRAP, (c) => {
        c.azure.subscriptionId = 'ABCDEF00-0000-0000-0000-00000000000A';
        c.azure.tenantId = 'ABCDEF11-1111-1111-1111-11111111111B';
      }),
    ),
  );
  if ('problems' in r) throw new Error(r.problems.join('\n'));
  expect(r.config.azure).toMatchObject({
    subscriptionId: 'abcdef00-0000-0000-0000-00000000000a',
    tenantId: 'abcdef11-1111-1111-1111-11111111111b',
  });
});
