/**
 * The job summary of an end-to-end run: what was tested and how it went (the facts the steps
 * recorded), then every step of the job with its result and duration.
 */
import type { Facts } from './facts';
import type { JobStep } from './github';
import { SMALLEST_SKU } from './names';

/** `42 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The job summary: what was tested and how it went, then every step with its duration. */
export function renderSummary(
  facts: Facts,
  steps: readonly JobStep[] | undefined,
  stepsProblem: string | undefined,
): string {
  const failed = (steps ?? []).filter((s) => s.conclusion === 'failure');
  const runsOk = (facts.runs ?? []).every((r) => r.conclusion === 'success');
  const servingOk = (facts.serving ?? []).every((s) => s.ok);
  const ok = failed.length === 0 && runsOk && servingOk && !stepsProblem;
  const headline = failed.length
    ? `❌ End-to-end run failed at: ${failed.map((s) => s.name).join(', ')}`
    : ok
      ? '✅ End-to-end run passed'
      : '⚠️ End-to-end run: see below';
  const rows: [string, string][] = [];
  if (facts.target)
    rows.push(['Target repository', `${facts.target} (environment ${facts.environment ?? '?'})`]);
  if (facts.model)
    rows.push(['Model', facts.version ? `${facts.model} version ${facts.version}` : facts.model]);
  if (facts.endpoint) rows.push(['Endpoint', `${facts.endpoint} (${SMALLEST_SKU}, 1 instance)`]);
  if (facts.namePrefix) rows.push(['Name prefix of the stack', facts.namePrefix]);
  for (const a of facts.assets ?? []) rows.push([`Target file ${a.path}`, a.action]);
  for (const r of facts.runs ?? []) {
    rows.push([
      `Deploy run (${r.label})`,
      `[#${r.number}](${r.url}): ${r.conclusion ?? r.status ?? 'unknown'}`,
    ]);
  }
  for (const s of facts.serving ?? [])
    rows.push([`Serving (${s.label})`, `${s.ok ? '✅' : '❌'} ${s.message}`]);
  if (facts.endpointsDeleted?.length)
    rows.push(['Endpoints deleted', facts.endpointsDeleted.join(', ')]);
  if (facts.endpointsNotDeleted?.length) {
    rows.push(['Endpoints NOT deleted (still billing)', facts.endpointsNotDeleted.join(', ')]);
  }
  const lines = [`## ${headline}`, ''];
  if (rows.length) {
    lines.push(
      '| Item | Value |',
      '| --- | --- |',
      ...rows.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`),
      '',
    );
  }
  lines.push('### Steps', '');
  if (!steps) {
    lines.push(`Step durations are not available: ${stepsProblem ?? 'no job found'}.`, '');
    return `${lines.join('\n')}\n`;
  }
  lines.push('| # | Step | Result | Duration |', '| ---: | --- | --- | ---: |');
  let first: number | undefined;
  let last: number | undefined;
  for (const s of [...steps].sort((a, b) => a.number - b.number)) {
    const start = s.started_at ? Date.parse(s.started_at) : NaN;
    const end = s.completed_at ? Date.parse(s.completed_at) : NaN;
    const done = s.status === 'completed' && Number.isFinite(start) && Number.isFinite(end);
    if (done) {
      first = Math.min(first ?? start, start);
      last = Math.max(last ?? end, end);
    }
    const result =
      s.status === 'completed'
        ? (s.conclusion ?? 'completed')
        : s.status === 'in_progress'
          ? 'running (this summary)'
          : 'not run yet';
    const duration = done && s.conclusion !== 'skipped' ? formatDuration(end - start) : '—';
    lines.push(`| ${s.number} | ${cell(s.name)} | ${cell(result)} | ${duration} |`);
  }
  if (first !== undefined && last !== undefined) {
    lines.push('', `Completed steps took ${formatDuration(last - first)} in all.`);
  }
  return `${lines.join('\n')}\n`;
}
