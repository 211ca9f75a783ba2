#!/bin/bash
# A fake `az` for __tests__/e2e.test.ts, which copies it into a folder first on PATH as `az`.
# It answers from files the test writes and records every call:
#
#   $FAKE_AZ_DIR/calls.log            one line per call: its arguments, shell-quoted (%q), so a
#                                     test sees each argument arrive whole (no shell in between)
#   $FAKE_AZ_DIR/answers/<key>.out    what the call prints on standard output
#   $FAKE_AZ_DIR/answers/<key>.err    what it prints on standard error (optional)
#   $FAKE_AZ_DIR/answers/<key>.code   its exit status (optional; 0 without it)
#   $FAKE_AZ_DIR/answers/<key>.sleep  seconds to wait before answering (optional); meanwhile
#                                     <key>.pid holds the process id, so a test can stop it
#
# <key> is the command's leading words and its --name, joined with "_":
#   az ml online-endpoint show --name ep1 ...   ->   ml_online-endpoint_show_ep1
# A call without an answer exits 2, so a test notices a call it did not expect.
set -euo pipefail

dir="${FAKE_AZ_DIR:?FAKE_AZ_DIR must name the fake az folder}"

line=""
for arg in "$@"; do
  printf -v quoted '%q' "$arg"
  line+="${line:+ }$quoted"
done
printf '%s\n' "$line" >>"$dir/calls.log"

words=()
while (($#)) && [[ "$1" != -* ]]; do
  words+=("$1")
  shift
done
name=""
while (($#)); do
  if [[ "$1" == --name || "$1" == -n ]] && (($# > 1)); then
    name="$2"
    shift
  fi
  shift
done
key="${words[*]}"
key="${key// /_}${name:+_$name}"
answer="$dir/answers/$key"

if [[ ! -e "$answer.out" && ! -e "$answer.code" ]]; then
  echo "ERROR: the fake az has no answer for $key" >&2
  exit 2
fi
if [[ -e "$answer.sleep" ]]; then
  echo "$$" >"$answer.pid"
  sleep "$(cat "$answer.sleep")"
fi
if [[ -e "$answer.out" ]]; then cat "$answer.out"; fi
if [[ -e "$answer.err" ]]; then cat "$answer.err" >&2; fi
if [[ -e "$answer.code" ]]; then exit "$(cat "$answer.code")"; fi
exit 0
