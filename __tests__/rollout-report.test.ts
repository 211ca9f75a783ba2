/**
 * What the rollout writes for people (rollout/report.ts), with input that tries to shape it:
 * workflow commands in annotations, Markdown and HTML in the job summary, control characters
 * anywhere. Pure functions; __tests__/rollout.test.ts checks the same through whole runs.
 */
import { payloadFields, type PayloadValues } from '../lib/dispatch-contract';
import {
  annotation,
  markdownText,
  oneLine,
  outputLine,
  quote,
  renderSummary,
  type Report,
} from '../rollout/report';

const REPORT: Report = {
  outcome: 'failed',
  // Every field of the payload, empty but these.
  request: {
    ...(Object.fromEntries(payloadFields().map(([name]) => [name, ''])) as PayloadValues),
    modelName: 'iris',
    modelVersion: '2',
    environment: 'staging',
  },
  endpoint: '',
  deployment: '',
  source: '',
  promotedFrom: '',
  promotedFromUrl: '',
  trafficBefore: '',
  trafficAfter: '',
  deploymentsBefore: '',
  deploymentsAfter: '',
  details: [],
  startedAt: 1000,
};

describe('annotations', () => {
  test('%, CR and LF are escaped, so a message is one workflow command', () => {
    expect(annotation('error', '100 %\r\n::set-output name=proceed::true')).toBe(
      '::error title=AML rollout::100 %25%0D%0A::set-output name=proceed::true',
    );
  });

  test.each(['error', 'warning', 'notice'] as const)('level %s', (level) => {
    expect(annotation(level, 'x')).toBe(`::${level} title=AML rollout::x`);
  });
});

describe('the job summary', () => {
  test('HTML and Markdown punctuation become entities', () => {
    expect(markdownText('<b>|`$x`|</b> [a](b) *c* _d_ & \\')).toBe(
      '&#60;b&#62;&#124;&#96;&#36;x&#96;&#124;&#60;/b&#62; &#91;a&#93;(b) &#42;c&#42; &#95;d&#95; &#38; &#92;',
    );
  });

  test('a promotion names the stage that passed the version, and links the run it passed in', () => {
    const row = (report: Partial<Report>): string | undefined =>
      renderSummary({ ...REPORT, ...report }, 1000)
        .split('\n')
        .find((line) => line.startsWith('| Promoted from |'));
    expect(row({})).toBe('| Promoted from | – |');
    expect(
      row({ promotedFrom: 'staging', promotedFromUrl: 'https://github.com/o/r/actions/runs/42' }),
    ).toBe(
      '| Promoted from | <code>staging</code> in <a href="https://github.com/o/r/actions/runs/42">run 42</a> |',
    );
    expect(row({ promotedFrom: 'staging' })).toBe(
      '| Promoted from | <code>staging</code> (by hand) |',
    );
    // Only GitHub's own run URL becomes a link: anything else could shape the page.
    expect(
      row({
        promotedFrom: 'staging',
        promotedFromUrl: 'https://x/o/r/actions/runs/1"onmouseover="x',
      }),
    ).toBe('| Promoted from | <code>staging</code> (by hand) |');
  });

  test('":" too: no emoji shortcode, no autolinked scheme', () => {
    expect(markdownText(':+1: :smile: https://x javascript:alert(1)')).toBe(
      '&#58;+1&#58; &#58;smile&#58; https&#58;//x javascript&#58;alert(1)',
    );
  });

  test('a value stays in its cell: control characters as escapes, the table one line per row', () => {
    const summary = renderSummary(
      {
        ...REPORT,
        request: { ...REPORT.request, modelName: 'a\nb|c\u0007', environment: '</code><script>' },
        endpoint: ':+1:',
        details: ['see https://x'],
      },
      1000,
    );
    expect(summary).toContain('| Model | <code>a&#92;nb&#124;c&#92;u0007</code> |');
    expect(summary).toContain('| Environment | <code>&#60;/code&#62;&#60;script&#62;</code> |');
    expect(summary).toContain('| Endpoint | <code>&#58;+1&#58;</code> |');
    expect(summary).toContain('\nsee https&#58;//x\n');
    const rows = (text: string): number =>
      text.split('\n').filter((l) => l.startsWith('| ')).length;
    expect(rows(summary)).toBe(rows(renderSummary(REPORT, 1000)));
  });

  test('the table, then each detail as a paragraph whose lines stay lines', () => {
    const summary = renderSummary(
      {
        ...REPORT,
        outcome: 'succeeded',
        request: { ...REPORT.request, eventId: 'id-1' },
        trafficAfter: 'model-v2=100',
        details: ['first\n- a_b', 'second\u001b[31m'],
      },
      1000 + 125,
    );
    expect(summary).toBe(
      [
        '## Azure ML rollout: ✅ deployed',
        '',
        '| Item | Value |',
        '| --- | --- |',
        '| Model | <code>iris</code> |',
        '| Version | <code>2</code> |',
        '| Environment | <code>staging</code> |',
        '| Event | <code>id-1</code> |',
        '| Event time | – |',
        '| Endpoint | – |',
        '| Deployment | – |',
        '| Source | – |',
        '| Promoted from | – |',
        '| Traffic before | – |',
        '| Traffic after | <code>model-v2=100</code> |',
        '| Deployments before | – |',
        '| Deployments after | – |',
        '| Outcome | succeeded |',
        '| Duration | 2 min 5 s |',
        '',
        'first',
        '- a&#95;b',
        '',
        'second?&#91;31m',
        '',
        '',
      ].join('\n'),
    );
  });

  test.each([
    ['unchanged', '✅ already serving, nothing changed'],
    ['skipped', '⏭️ skipped'],
    ['failed', '❌ failed'],
  ] as const)('the title of an outcome %s', (outcome, title) => {
    expect(renderSummary({ ...REPORT, outcome }, 1000)).toMatch(
      new RegExp(`^## Azure ML rollout: ${title}\n`),
    );
  });
});

describe('values in the log', () => {
  test('quote: a JSON string literal, DEL escaped too, cut after 300 characters', () => {
    expect(quote('a"b\n\u007f')).toBe('"a\\"b\\n\\u007f"');
    expect(quote('x'.repeat(301))).toBe(`"${'x'.repeat(300)}..."`);
  });

  test('oneLine: our own lines never span lines', () => {
    expect(oneLine('a\nb\r\u007f')).toBe('a?b??');
  });

  test('step outputs are one line each', () => {
    expect(outputLine('proceed', 'true')).toBe('proceed=true\n');
    expect(() => outputLine('proceed', 'true\nx=y')).toThrow('must be one line');
  });
});
