#!/usr/bin/env bash
# Measures whole processes under /usr/bin/time -v, as the budgets are stated
# (docs/performance.md): each command runs RUNS times (default 5); the median wall time and
# the largest peak RSS are printed, with the median CPU time (user + system).
#
#   synth, compiled     node dist/main.js after `npm run build`      (≤ 0.5 s, ≤ 150 MiB)
#   synth, app command  the cdktf.json app: rebuild only if a source changed, then run
#                       (≤ 1.2× the compiled app's CPU, ≤ 100 MiB)
#   lint, format, types, exports, jest: the stages of `npm test`, each alone
#   npm test            the whole test command               (median ≤ 10 s warm, 13 s cold)
#
# Usage: npm run bench [-- --skip-tests] [-- --cold]
#   --cold  empties the lint, format and jest caches before every run, and before each test
#           run removes the bundles the tests build (dist/main.js's stamp, so jest's
#           globalSetup builds it again, and dist/cdktn): a fresh clone's first run. By
#           default they are warm after the first run, as in day-to-day work.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-5}"
COLD=false
SKIP_TESTS=false
for arg in "$@"; do
  case "$arg" in
    --cold) COLD=true ;;
    --skip-tests) SKIP_TESTS=true ;;
    *) echo "usage: npm run bench [-- --skip-tests] [-- --cold]" >&2; exit 2 ;;
  esac
done
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

TESTS=false
clear_caches() {
  rm -rf node_modules/.cache/eslint node_modules/.cache/prettier
  node_modules/.bin/jest --clearCache >/dev/null
  if $TESTS; then rm -rf dist/main.inputs.json dist/cdktn; fi
}

# measure LABEL CMD...: runs CMD RUNS times under /usr/bin/time -v.
measure() {
  local label="$1"
  shift
  local walls=() cpus=() rss=0
  for _ in $(seq "$RUNS"); do
    if $COLD; then clear_caches; fi
    CDKTF_OUTDIR="$out/cdktf.out" /usr/bin/time -v "$@" >"$out/stdout" 2>"$out/time" || {
      cat "$out/stdout" "$out/time" >&2
      exit 1
    }
    walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$out/time")")
    cpus+=("$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$out/time")")
    local kb
    kb="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$out/time")"
    ((kb > rss)) && rss="$kb"
  done
  local median cpu sorted
  sorted="$(printf '%s\n' "${walls[@]}" | sort -n | tr '\n' ' ')"
  median="$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
  cpu="$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
  printf '%-24s median %6.2f s   cpu %6.2f s   peak %5d MiB   runs: %s\n' "$label" "$median" "$cpu" $((rss / 1024)) "$sorted"
}

echo "$(nproc) cores; RUNS=$RUNS; caches $($COLD && echo 'emptied before each run' || echo 'warm after the first run')"
npm run --silent build # esbuild bundle → dist/main.js (git-ignored)
measure 'synth (compiled)' node dist/main.js
# The app command: the launcher finds the bundle fresh (a stat per input), then runs it.
measure 'synth (cdktf.json app)' sh -c "$(node -p 'require("./cdktf.json").app')"

if ! $SKIP_TESTS; then
  TESTS=true
  measure 'lint (eslint)' npm run --silent lint
  measure 'format (prettier)' npm run --silent format:check
  measure 'types (tsc 7)' npm run --silent typecheck
  measure 'exports (unused)' npm run --silent exports
  measure 'jest' node_modules/.bin/jest --ci --silent
  measure 'npm test' npm test --silent
fi
