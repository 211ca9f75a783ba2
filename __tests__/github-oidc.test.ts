import {
  credentialName,
  credentialsPerContext,
  githubSubjects,
  type OidcSubjectForm,
} from '../lib/github-oidc';

const repo = {
  owner: 'octo-org',
  repository: 'octo-repo',
  ownerId: '123456',
  repositoryId: '456789',
};

describe('the subjects GitHub signs (docs: OpenID Connect reference, immutable subject claims)', () => {
  test.each<[OidcSubjectForm, string[]]>([
    [
      'both',
      [
        'repo:octo-org/octo-repo:environment:production',
        'repo:octo-org@123456/octo-repo@456789:environment:production',
      ],
    ],
    ['legacy', ['repo:octo-org/octo-repo:environment:production']],
    ['immutable', ['repo:octo-org@123456/octo-repo@456789:environment:production']],
  ])('%s, for a job in an environment', (form, subjects) => {
    const got = githubSubjects(form, repo, { environment: 'production' });
    expect(got.map((s) => s.subject)).toEqual(subjects);
    expect(got).toHaveLength(credentialsPerContext(form));
  });

  test('a pull request job', () => {
    expect(githubSubjects('both', repo, { pullRequest: true })).toEqual([
      { form: 'legacy', subject: 'repo:octo-org/octo-repo:pull_request' },
      { form: 'immutable', subject: 'repo:octo-org@123456/octo-repo@456789:pull_request' },
    ]);
  });
});

describe('credential names: at most 120 letters, digits or "-", distinct by construction', () => {
  test('a name that is already such text is kept; the form comes first', () => {
    expect(credentialName('legacy', { environment: 'prod-1' })).toBe('github-legacy-env-prod-1');
    expect(credentialName('immutable', { environment: 'prod-1' })).toBe(
      'github-immutable-env-prod-1',
    );
    expect(credentialName('legacy', { pullRequest: true })).toBe('github-legacy-pull-request');
  });

  test('other characters: letters and digits kept, plus a hash of the exact name', () => {
    const a = credentialName('legacy', { environment: 'infra staging' });
    const b = credentialName('legacy', { environment: 'infra.staging' });
    expect(a).toMatch(/^github-legacy-envx-infra-staging-[0-9a-f]{8}$/);
    expect(b).toMatch(/^github-legacy-envx-infra-staging-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    // "envx-" for escaped names, "env-" for kept ones: neither can spell the other.
    expect(credentialName('legacy', { environment: 'x-infra-staging' })).not.toBe(a);
  });

  test('a long name is cut to 120, its hash kept', () => {
    const long = 'e'.repeat(200);
    const name = credentialName('immutable', { environment: long });
    expect(name).toHaveLength(120);
    expect(name).toMatch(/^github-immutable-envx-e+-[0-9a-f]{8}$/);
    expect(credentialName('immutable', { environment: `${long}f` })).not.toBe(name);
  });

  test('names that differ only in case stay distinct', () => {
    expect(credentialName('legacy', { environment: 'Prod' })).not.toBe(
      credentialName('legacy', { environment: 'prod' }),
    );
  });
});
