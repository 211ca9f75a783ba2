#!/usr/bin/env bash
# Measures whole processes, as the budgets in the README are stated:
#   synth, compiled:    node dist/main.js after `npm run build` (budget: ≤ 0.5 s, ≤ 150 MiB)
#   synth, app command: the cdktf.json app, bundling then running (no type-checking)
#   npm test:           lint, type-check and jest (budget: ≤ 30 s on 2 cores)
# Each synth runs RUNS times (default 5); the median wall time and the largest peak RSS
# are printed. Usage: npm run bench [-- --skip-tests]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-5}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# measure LABEL CMD...: runs CMD RUNS times under /usr/bin/time -v.
measure() {
  local label="$1"
  shift
  local walls=() rss=0
  for _ in $(seq "$RUNS"); do
    CDKTF_OUTDIR="$out/cdktf.out" /usr/bin/time -v "$@" >/dev/null 2>"$out/time" || {
      cat "$out/time" >&2
      exit 1
    }
    walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$out/time")")
    local kb
    kb="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$out/time")"
    ((kb > rss)) && rss="$kb"
  done
  local median
  median="$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
  printf '%-28s median %6.2f s   peak %5d MiB   (%d runs)\n' "$label" "$median" $((rss / 1024)) "$RUNS"
}

npm run --silent build # esbuild bundle → dist/main.js (git-ignored)
measure 'synth (compiled)' node dist/main.js
measure 'synth (cdktf.json app)' sh -c "$(node -p 'require("./cdktf.json").app')"

if [[ "${1:-}" != "--skip-tests" ]]; then
  /usr/bin/time -v npm test >/dev/null 2>"$out/time" || { cat "$out/time" >&2; exit 1; }
  awk -F': ' '/Elapsed \(wall clock\)/ { w = $2 } /Maximum resident set size/ { r = $2 }
    END { printf "%-28s %s wall   peak %d MiB (largest single process)\n", "npm test", w, r / 1024 }' "$out/time"
fi
