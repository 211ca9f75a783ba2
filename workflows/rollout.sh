#!/usr/bin/env bash
# Rolls one registered Azure ML model version out to its managed online endpoint.
#
# aml-deploy-pipeline commits this file to .github/workflows/aml-deploy/rollout.sh in the
# target repository; .github/workflows/aml-deploy-model.yml runs it from a checkout of that
# repository, so the spec paths in AML_DEPLOYMENT_TARGETS are relative to the current folder.
# It lives under .github/workflows/ because it runs with the deploy identity: GitHub lets only
# a token with the Workflows permission change files there (the Logic App's dispatch token has
# Contents write only). GitHub runs only *.yml / *.yaml directly in .github/workflows as
# workflows; subfolders are not scanned, so this file is never taken for one.
# Edit it in aml-deploy-pipeline (workflows/rollout.sh): the next deploy overwrites this copy.
# docs/rollout.md there explains the behaviour; this file says how.
#
# Usage: rollout.sh validate | deploy | not-started
#   validate     Checks the request and finds the model's target. Makes no Azure call, so it
#                runs before the sign-in step. Writes proceed=true|false and started_at to
#                $GITHUB_OUTPUT; a skipped or rejected request gets its job summary here.
#   deploy       Checks again (the script must be safe on its own), then rolls out.
#                Needs a signed-in az CLI.
#   not-started  Writes the job summary of a run whose rollout never started (sign-in failed,
#                or the run was cancelled in between). Makes no Azure call.
#
# Input, all from environment variables (the workflow sets them with `env:`; event data must
# never be pasted into a script, where it would run as code):
#   MODEL_NAME, MODEL_VERSION, DEPLOY_ENVIRONMENT   the request (required)
#   EVENT_ID, EVENT_TIME, EVENT_WORKSPACE           the request (optional)
#   AZURE_AUTH_MODE, AML_RESOURCE_GROUP, AML_WORKSPACE, AML_DEPLOYMENT_TARGETS
#                                                   the GitHub environment's variables
#   ROLLOUT_STARTED_AT                              deploy/not-started: epoch seconds from validate
#   GITHUB_STEP_SUMMARY, GITHUB_OUTPUT              set by GitHub Actions
#   GITHUB_EVENT_NAME                               set by GitHub Actions: repository_dispatch
#                                                   never deploys a version older than the
#                                                   newest one serving (see deploy)
set -euo pipefail
# Character ranges in the patterns below mean ASCII letters and digits, whatever the locale.
export LC_ALL=C

# Pinned so that a new release of the extension cannot change a production rollout unseen.
readonly ML_EXTENSION_VERSION="2.44.1"

# Deployments this workflow creates are named "model-v<version>". Azure ML deployment names
# have 3-32 characters, start with a letter, end with a letter or digit and contain letters,
# digits and '-', so the prefix keeps version 1 valid ("v1" alone is too short) and leaves
# room for 25 digits. One endpoint serves one model, so the version alone is unique.
readonly DEPLOYMENT_PREFIX="model-v"

# Azure ML model names: the REST API's pattern for workspace models is
# ^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$ (Microsoft.MachineLearningServices/workspaces/models);
# '.' is allowed as well because names registered through the v1 SDK may contain it
# (e.g. "model.pkl"). Whatever passes here is safe to pass to az as an argument; a name Azure
# does not know just fails `az ml model show`.
readonly MODEL_NAME_RE='^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$'
# Model versions: the positive whole numbers Azure ML gives on registration (1, 2, 3, ...),
# without leading zeros (so "3" and "03" cannot name two deployments) and below 10^9.
# Custom string versions ("1.0", "latest") are rejected: they would not make a valid
# deployment name, and "latest" is not a version.
readonly MODEL_VERSION_RE='^[1-9][0-9]{0,8}$'
# Managed online endpoint names: 3-32 characters, letters, digits and '-', starting with a letter.
readonly ENDPOINT_NAME_RE='^[A-Za-z][A-Za-z0-9-]{1,30}[A-Za-z0-9]$'
# Workspace names (REST API pattern) and resource group names (letters, digits, -_.() ).
readonly WORKSPACE_NAME_RE='^[A-Za-z0-9][A-Za-z0-9_-]{2,32}$'
readonly RESOURCE_GROUP_RE='^[A-Za-z0-9._()-]{1,90}$'
# Event Grid event ids are GUIDs and times are ISO 8601; manual runs may leave both empty.
readonly EVENT_ID_RE='^[A-Za-z0-9._:-]{0,128}$'
readonly EVENT_TIME_RE='^[0-9A-Za-z:.+-]{0,64}$'
# Paths of files in the target repository: relative, no leading '-' (it would read as an
# option), no control characters. '..' components are refused separately.
readonly REPO_PATH_RE='^[A-Za-z0-9_.][A-Za-z0-9_./ -]{0,254}$'

# --- State for the job summary and for rolling back ----------------------------------------

PHASE=""
MODEL_NAME="${MODEL_NAME-}"
MODEL_VERSION="${MODEL_VERSION-}"
DEPLOY_ENVIRONMENT="${DEPLOY_ENVIRONMENT-}"
EVENT_ID="${EVENT_ID-}"
EVENT_TIME="${EVENT_TIME-}"
EVENT_WORKSPACE="${EVENT_WORKSPACE-}"
AZURE_AUTH_MODE="${AZURE_AUTH_MODE-}"
AML_RESOURCE_GROUP="${AML_RESOURCE_GROUP-}"
AML_WORKSPACE="${AML_WORKSPACE-}"
AML_DEPLOYMENT_TARGETS="${AML_DEPLOYMENT_TARGETS-}"
# "repository_dispatch" (an event from the pipeline) or "workflow_dispatch" (a person).
GITHUB_EVENT_NAME="${GITHUB_EVENT_NAME-}"

STARTED_AT="$EPOCHSECONDS"
# Filled in by find_target.
ENDPOINT=""
ENDPOINT_SPEC=""
DEPLOYMENT_SPEC=""
SMOKE_TEST_REQUEST=""
CANARY_PERCENT=0
KEEP_DEPLOYMENTS=1
# Filled in as the rollout goes; shown in the job summary.
DEPLOYMENT=""
TRAFFIC_BEFORE=""
TRAFFIC_AFTER=""
DEPLOYMENTS_BEFORE=""
DEPLOYMENTS_AFTER=""
# succeeded | unchanged | skipped | failed | proceeding (validate only: deploy follows).
OUTCOME=""
# Lines of explanation under the summary table.
DETAILS=()
# Scratch file of `capture`.
OUTPUT_FILE=""
REMOVE_OUTPUT_FILE=false
# Rolling back: armed from the moment the new deployment may exist until it serves 100 %.
ROLLBACK_ARMED=false
CREATED_DEPLOYMENT=""
TRAFFIC_TOUCHED=false
RESTORE_TRAFFIC=""

# --- Output helpers -------------------------------------------------------------------------

# Sets REPLY to $1 as a JSON string literal. Used to show untrusted input in messages: quotes,
# newlines and control characters become visible escapes instead of shaping the log.
json_quote() {
  local s="$1" c code hex
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  s="${s//$'\n'/\\n}"
  s="${s//$'\r'/\\r}"
  s="${s//$'\t'/\\t}"
  if [[ "$s" == *[$'\x01'-$'\x1f'$'\x7f']* ]]; then
    for code in {1..31} 127; do
      printf -v hex '%02x' "$code"
      # shellcheck disable=SC2059 # the format is the point: it turns "\x01" into the byte.
      printf -v c "\\x$hex"
      printf -v REPLY '\\u%04x' "$code"
      s="${s//"$c"/"$REPLY"}"
    done
  fi
  if ((${#s} > 300)); then s="${s:0:300}..."; fi
  REPLY="\"$s\""
}

log() {
  printf '%s\n' "$*"
}

# GitHub workflow commands (::error::) read data up to the end of the line; escaping '%',
# CR and LF keeps a message from starting a command of its own.
annotate() {
  local level="$1" message="$2"
  message="${message//'%'/'%25'}"
  message="${message//$'\r'/'%0D'}"
  message="${message//$'\n'/'%0A'}"
  printf '::%s title=AML rollout::%s\n' "$level" "$message"
}

# Ends the run as failed. The EXIT trap rolls back (deploy phase) and writes the summary.
fail() {
  DETAILS+=("$1")
  OUTCOME="failed"
  annotate error "$1"
  exit 1
}

# Ends the run successfully without a rollout: nothing to do for this model here, or an event
# older than the version that serves. Must come before anything changes in Azure.
skip() {
  DETAILS+=("$1")
  OUTCOME="skipped"
  annotate notice "$1"
  exit 0
}

# Prints a command the way a reader could run it again; values were validated beforehand.
# To stderr, because stdout of `aml ...` is often captured as JSON.
show_command() {
  local out="+" arg
  for arg in "$@"; do
    printf -v arg '%q' "$arg"
    out+=" $arg"
  done
  log "$out" >&2
}

# `az ml ...` always against the environment's workspace, never an ambient default.
aml() {
  show_command az ml "$@"
  az ml "$@" --resource-group "$AML_RESOURCE_GROUP" --workspace-name "$AML_WORKSPACE" \
    --only-show-errors
}

# Runs a command and puts its standard output in REPLY; fails as the command does.
# The same as REPLY="$(...)", without the extra process "$(...)" starts for a function.
# The scratch file goes to RUNNER_TEMP, which the runner empties after the job; elsewhere
# it goes to TMPDIR and is removed on exit.
capture() {
  if [[ -z "$OUTPUT_FILE" ]]; then
    if [[ -n "${RUNNER_TEMP-}" ]]; then
      OUTPUT_FILE="$RUNNER_TEMP/aml-rollout.$$.out"
    else
      OUTPUT_FILE="${TMPDIR:-/tmp}/aml-rollout.$$.out"
      REMOVE_OUTPUT_FILE=true
    fi
  fi
  local status=0
  "$@" >"$OUTPUT_FILE" || status=$?
  IFS= read -r -d '' REPLY <"$OUTPUT_FILE" || true
  REPLY="${REPLY%$'\n'}"
  return "$status"
}

# --- Job summary ----------------------------------------------------------------------------

# Text for the summary, which GitHub renders as Markdown with HTML: HTML and Markdown
# punctuation become entities, so input cannot shape the page. Control characters must be
# gone before (md_value, md_line).
md_escape() {
  local s="$1"
  s="${s//'&'/'&amp;'}"
  s="${s//'<'/'&lt;'}"
  s="${s//'>'/'&gt;'}"
  s="${s//'`'/'&#96;'}"
  s="${s//'|'/'&#124;'}"
  s="${s//'$'/'&#36;'}"
  s="${s//'['/'&#91;'}"
  s="${s//']'/'&#93;'}"
  s="${s//'*'/'&#42;'}"
  s="${s//'_'/'&#95;'}"
  REPLY="$s"
}

# A table value: control characters shown as JSON escapes (\n), so a cell stays one line.
md_value() {
  json_quote "$1"
  md_escape "${REPLY:1:${#REPLY}-2}"
}

# A line of explanation (our own text, with any input in it already quoted).
md_line() {
  md_escape "${1//[$'\x01'-$'\x1f'$'\x7f']/?}"
}

summary_row() {
  local label="$1" value="$2"
  if [[ -z "$value" ]]; then
    printf '| %s | – |\n' "$label"
  else
    md_value "$value"
    printf '| %s | <code>%s</code> |\n' "$label" "$REPLY"
  fi
}

duration_text() {
  local seconds=$((EPOCHSECONDS - STARTED_AT))
  if ((seconds < 0)); then seconds=0; fi
  if ((seconds >= 60)); then
    REPLY="$((seconds / 60)) min $((seconds % 60)) s"
  else
    REPLY="$seconds s"
  fi
}

write_summary() {
  local file="${GITHUB_STEP_SUMMARY:-/dev/stderr}" title detail line event="" duration
  case "$OUTCOME" in
    succeeded) title="✅ deployed" ;;
    unchanged) title="✅ already serving, nothing changed" ;;
    skipped) title="⏭️ skipped" ;;
    *) title="❌ failed" ;;
  esac
  if [[ -n "$EVENT_ID" || -n "$EVENT_TIME" ]]; then event="${EVENT_ID:-?} at ${EVENT_TIME:-?}"; fi
  duration_text
  duration="$REPLY"
  {
    printf '## Azure ML rollout: %s\n\n' "$title"
    printf '| Item | Value |\n| --- | --- |\n'
    summary_row "Model" "$MODEL_NAME"
    summary_row "Version" "$MODEL_VERSION"
    summary_row "Environment" "$DEPLOY_ENVIRONMENT"
    summary_row "Endpoint" "$ENDPOINT"
    summary_row "Deployment" "$DEPLOYMENT"
    summary_row "Traffic before" "$TRAFFIC_BEFORE"
    summary_row "Traffic after" "$TRAFFIC_AFTER"
    summary_row "Deployments before" "$DEPLOYMENTS_BEFORE"
    summary_row "Deployments after" "$DEPLOYMENTS_AFTER"
    printf '| Outcome | %s |\n' "${OUTCOME:-failed}"
    printf '| Duration | %s |\n' "$duration"
    summary_row "Event" "$event"
    printf '\n'
    # Each detail is a paragraph; its lines (a problem list) stay lines.
    for detail in "${DETAILS[@]}"; do
      while IFS= read -r line; do
        md_line "$line"
        printf '%s\n' "$REPLY"
      done <<<"$detail"
      printf '\n'
    done
  } >>"$file"
}

# Runs on every exit: rolls back a failed rollout, then writes the job summary.
on_exit() {
  local status=$?
  set +e
  trap - EXIT
  if $REMOVE_OUTPUT_FILE; then rm -f "$OUTPUT_FILE"; fi
  if ((status != 0)); then
    if [[ "$OUTCOME" != failed ]]; then
      OUTCOME="failed"
      DETAILS+=("The script stopped unexpectedly (exit status $status); see the step log.")
    fi
    if $ROLLBACK_ARMED; then roll_back; fi
  fi
  if [[ "$PHASE" == validate ]]; then
    # Written once, here, so that no path leaves it out (the sign-in and deploy steps need it).
    if [[ "$OUTCOME" == proceeding ]]; then write_output proceed true; else write_output proceed false; fi
  fi
  # A request that passed validation gets its summary from the deploy step.
  if [[ "$OUTCOME" != proceeding ]]; then write_summary; fi
  exit "$status"
}

# --- Checking the request -------------------------------------------------------------------

# Collects every problem with the request and the environment's variables, then fails once
# with all of them. Makes no Azure call: this runs before the sign-in step.
check_request() {
  local problems=() workspace_name
  if [[ -z "$MODEL_NAME" ]]; then
    problems+=("model_name is missing.")
  elif ! [[ "$MODEL_NAME" =~ $MODEL_NAME_RE ]]; then
    json_quote "$MODEL_NAME"
    problems+=("model_name $REPLY is not a valid Azure ML model name (1-255 characters: letters, digits, '-', '_' and '.', starting with a letter or digit).")
  fi
  if [[ -z "$MODEL_VERSION" ]]; then
    problems+=("model_version is missing.")
  elif ! [[ "$MODEL_VERSION" =~ $MODEL_VERSION_RE ]]; then
    json_quote "$MODEL_VERSION"
    problems+=("model_version $REPLY is not a model version this workflow deploys: a whole number from 1 to 999999999 without leading zeros.")
  fi
  if [[ -z "$DEPLOY_ENVIRONMENT" ]]; then
    problems+=("environment is missing: it names the GitHub environment to deploy in.")
  elif [[ "$DEPLOY_ENVIRONMENT" =~ [[:cntrl:]] ]] || ((${#DEPLOY_ENVIRONMENT} > 255)); then
    json_quote "$DEPLOY_ENVIRONMENT"
    problems+=("environment $REPLY is not a GitHub environment name.")
  fi
  if ! [[ "$EVENT_ID" =~ $EVENT_ID_RE ]]; then
    json_quote "$EVENT_ID"
    problems+=("event_id $REPLY is malformed (letters, digits, '.', '_', ':' and '-', at most 128).")
  fi
  if ! [[ "$EVENT_TIME" =~ $EVENT_TIME_RE ]]; then
    json_quote "$EVENT_TIME"
    problems+=("event_time $REPLY is not an ISO 8601 time.")
  fi
  if [[ "$AZURE_AUTH_MODE" != oidc && "$AZURE_AUTH_MODE" != client-secret ]]; then
    json_quote "$AZURE_AUTH_MODE"
    problems+=("Variable AZURE_AUTH_MODE is $REPLY; expected \"oidc\" or \"client-secret\".")
  fi
  if ! [[ "$AML_RESOURCE_GROUP" =~ $RESOURCE_GROUP_RE ]]; then
    json_quote "$AML_RESOURCE_GROUP"
    problems+=("Variable AML_RESOURCE_GROUP is $REPLY; expected a resource group name.")
  fi
  if ! [[ "$AML_WORKSPACE" =~ $WORKSPACE_NAME_RE ]]; then
    json_quote "$AML_WORKSPACE"
    problems+=("Variable AML_WORKSPACE is $REPLY; expected a workspace name.")
  fi
  # The event names the workspace it came from (a name, or its resource id). A mismatch
  # means the event was routed to the wrong environment: deploy nothing.
  if [[ -n "$EVENT_WORKSPACE" ]]; then
    workspace_name="$EVENT_WORKSPACE"
    if [[ "${EVENT_WORKSPACE,,}" =~ /workspaces/[^/]+$ ]]; then
      workspace_name="${EVENT_WORKSPACE##*/}"
    fi
    if ! [[ "$workspace_name" =~ $WORKSPACE_NAME_RE ]]; then
      json_quote "$EVENT_WORKSPACE"
      problems+=("workspace $REPLY is neither a workspace name nor a workspace resource id.")
    elif [[ "${workspace_name,,}" != "${AML_WORKSPACE,,}" ]]; then
      problems+=("The model was registered in workspace $workspace_name, but environment $DEPLOY_ENVIRONMENT deploys to workspace $AML_WORKSPACE.")
    fi
  fi
  if [[ -z "$AML_DEPLOYMENT_TARGETS" ]]; then
    problems+=("Variable AML_DEPLOYMENT_TARGETS is empty: this environment has no deployment targets.")
  fi

  if ((${#problems[@]} > 0)); then
    local message="The request was rejected before any Azure call:" problem
    for problem in "${problems[@]}"; do message+=$'\n'"- $problem"; done
    fail "$message"
  fi
}

# A file path from AML_DEPLOYMENT_TARGETS: relative, inside the checkout, and present.
check_repo_file() {
  local field="$1" path="$2"
  if ! [[ "$path" =~ $REPO_PATH_RE ]] || [[ "/$path/" == */../* ]]; then
    json_quote "$path"
    REPLY="$field $REPLY is not a relative path inside the repository."
  elif [[ ! -f "$path" ]]; then
    json_quote "$path"
    REPLY="$field $REPLY does not exist in the repository (commit it, or fix the path in the configuration)."
  else
    REPLY=""
  fi
}

# Looks the model up in AML_DEPLOYMENT_TARGETS. A model without a target is skipped: the
# workspace may register models that this environment does not serve.
find_target() {
  local lines problems=() fields
  # One jq call (jq is slow to start) prints the target's fields one per line, control
  # characters replaced, so no value can span lines; bash checks each value below.
  if ! lines="$(jq -r --arg model "$MODEL_NAME" '
      def clean: explode | map(if . < 32 or . == 127 then 63 else . end) | implode;
      def text: if . == null then "" else tostring | clean end;
      if type != "object" then error("it is not a JSON object")
      elif (has($model) | not) then "none"
      elif (.[$model] | type) != "object" then error("the entry of the model is not an object")
      else .[$model]
        | "found", (.endpoint | text), (.endpointSpec | text), (.deploymentSpec | text),
          (.smokeTestRequest | text), (.canaryPercent | text), (.keepDeployments | text)
      end' 2>&1 <<<"$AML_DEPLOYMENT_TARGETS")"; then
    fail "Variable AML_DEPLOYMENT_TARGETS cannot be read: ${lines//$'\n'/ }"
  fi
  mapfile -t fields <<<"$lines"
  if [[ "${fields[0]-}" == none ]]; then
    skip "No deployment target for model $MODEL_NAME in environment $DEPLOY_ENVIRONMENT (AML_DEPLOYMENT_TARGETS has none): nothing to deploy."
  fi
  # "$(...)" drops trailing empty lines, hence the defaults.
  ENDPOINT="${fields[1]-}"
  ENDPOINT_SPEC="${fields[2]-}"
  DEPLOYMENT_SPEC="${fields[3]-}"
  SMOKE_TEST_REQUEST="${fields[4]-}"
  local canary="${fields[5]-}" keep="${fields[6]-}"

  if ! [[ "$ENDPOINT" =~ $ENDPOINT_NAME_RE ]]; then
    json_quote "$ENDPOINT"
    problems+=("endpoint $REPLY is not a managed online endpoint name (3-32 characters: letters, digits and '-', starting with a letter).")
  fi
  check_repo_file endpointSpec "$ENDPOINT_SPEC"
  if [[ -n "$REPLY" ]]; then problems+=("$REPLY"); fi
  check_repo_file deploymentSpec "$DEPLOYMENT_SPEC"
  if [[ -n "$REPLY" ]]; then problems+=("$REPLY"); fi
  if [[ -n "$SMOKE_TEST_REQUEST" ]]; then
    check_repo_file smokeTestRequest "$SMOKE_TEST_REQUEST"
    if [[ -n "$REPLY" ]]; then problems+=("$REPLY"); fi
  fi
  if [[ "$canary" =~ ^(0|[1-9][0-9]?)$ ]]; then
    CANARY_PERCENT="$canary"
  else
    json_quote "$canary"
    problems+=("canaryPercent $REPLY is not a whole number from 0 to 99.")
  fi
  if [[ "$keep" =~ ^[1-9][0-9]{0,2}$ ]]; then
    KEEP_DEPLOYMENTS="$keep"
  else
    json_quote "$keep"
    problems+=("keepDeployments $REPLY is not a whole number from 1 to 999.")
  fi

  if ((${#problems[@]} > 0)); then
    local message="The deployment target of model $MODEL_NAME is invalid (AML_DEPLOYMENT_TARGETS):" problem
    for problem in "${problems[@]}"; do message+=$'\n'"- $problem"; done
    fail "$message"
  fi
  DEPLOYMENT="$DEPLOYMENT_PREFIX$MODEL_VERSION"
}

# --- Planning ---------------------------------------------------------------------------------

# Reads the endpoint and its deployments (JSON from az) and works out every traffic map and
# the cleanup in one jq call. Prints one value per line, in this order:
#   serving      "true" if a deployment of this model version already has 100 % of traffic
#   existing     a deployment that already runs this model version (reused), or ""
#   conflict     the model of a deployment that has our deployment name but another model
#   unusable     a deployment of this version that did not provision (when none did), or ""
#   traffic before, deployments before (for the summary)
#   canary       traffic map for the canary step, or "" for none
#   final        traffic map with 100 % on the deployment
#   restore      traffic map that puts everything back as it was
#   cleanup      deployments to delete once the deployment serves
#   traffic after, deployments after (if all goes well)
#   newer        the newest version of this model that receives traffic (any share above 0),
#                if it is higher than the requested version; else ""
# Traffic maps are in the only form `--traffic` takes: "a=90 b=10". jq's errors, if any, are
# printed too, for the failure message.
plan() {
  jq -rn \
    --argjson endpoint "$1" --argjson deployments "$2" \
    --arg model "$MODEL_NAME" --arg version "$MODEL_VERSION" --arg name "$DEPLOYMENT" \
    --argjson canary "$CANARY_PERCENT" --argjson keep "$KEEP_DEPLOYMENTS" '
    def clean: explode | map(if . < 32 or . == 127 then 63 else . end) | implode;
    # A deployment reports its model as "azureml:NAME:VERSION" (as created) or as an
    # ARM-style id "azureml:/subscriptions/.../workspaces/WS/models/NAME/versions/VERSION".
    def model_ref:
      if type != "string" then null
      elif test("^azureml:[^:/]+:[^:/]+$") then
        capture("^azureml:(?<name>[^:/]+):(?<version>[^:/]+)$")
      elif test("/workspaces/[^/]+/models/[^/]+/versions/[^/]+$") then
        capture("/workspaces/[^/]+/models/(?<name>[^/]+)/versions/(?<version>[^/]+)$")
      else null end;
    def map_text: to_entries | sort_by(.key) | map("\(.key)=\(.value)") | join(" ");

    ($endpoint.traffic // {} | with_entries(.value = (.value | tonumber? // 0))) as $before
    | [$deployments[] | {name, ref: (.model | model_ref), state: (.provisioning_state // "")}
        | .share = ($before[.name] // 0)
        | .label = (if .ref then "\(.name) (\(.ref.name):\(.ref.version))"
                    else "\(.name) (\(.model // "unknown model"))" end)] as $all
    | def ours: .ref != null and .ref.name == $model;
      def this_version: ours and .ref.version == $version;

      ([$all[] | select(this_version and .share == 100)] | length > 0) as $serving
    # Reuse a deployment that already runs this version (a rollback to a kept deployment):
    # the one with most traffic, our own name first. Only one that provisioned: a Failed one
    # (left by a failed rollout whose cleanup failed too) must be deleted by hand first.
    | ([$all[] | select(this_version and (.state == "" or .state == "Succeeded"))]
        | sort_by(-.share, (if .name == $name then 0 else 1 end), .name)
        | first.name // "") as $existing
    | (if $existing != "" then ""
       else [$all[] | select(this_version)] | first | if . then "\(.name) (\(.state))" else "" end
       end) as $unusable
    | ([$all[] | select(.name == $name and (this_version | not))]
        | first | if . then .label else "" end) as $conflict
    | (if $existing != "" then $existing else $name end) as $target
    | ($before[$target] // 0) as $target_share
    | ([$before | to_entries[] | select(.key != $target) | .value] | add // 0) as $others
    # Canary: give the target $canary %, taken from the biggest shares first. Only when
    # something else serves (a new endpoint has nothing to compare with).
    | (if $canary > 0 and $others > 0 and $target_share < $canary then
         reduce ($before | to_entries | map(select(.key != $target))
                 | sort_by(-.value, .key))[] as $e
           ({left: ($canary - $target_share), map: {($target): $canary}};
            ([$e.value, .left] | min) as $take
            | .map[$e.key] = $e.value - $take | .left -= $take)
         | .map | map_text
       else "" end) as $canary_map
    | ($before | with_entries(.value = 0) | .[$target] = 100) as $final
    | ($before | if has($target) then . else .[$target] = 0 end | map_text) as $restore
    # Cleanup once the target serves: keep every deployment that served before, then the
    # newest other deployments of this model until keepDeployments are kept. Deployments of
    # other models are never touched.
    | [$all[] | select(.name != $target and .share > 0)] as $previous
    | ([$keep - ($previous | length), 0] | max) as $spare
    | ([$all[] | select(.name != $target and .share == 0 and ours)]
        | sort_by(-(.ref.version | tonumber? // 0), .name)
        | .[$spare:] | map(.name)) as $cleanup
    | ([$all[].name] + (if $existing == "" then [$name] else [] end)
        | unique - $cleanup) as $after
    | ($after | map(. as $n | ($all[] | select(.name == $n) | .label) // "\($n) (\($model):\($version))")) as $after_labels
    # Versions compare as numbers; a deployment of this model with a version that is not a
    # whole number (made by hand) does not count.
    | ([$all[] | select(ours and .share > 0 and (.ref.version | test("^[0-9]{1,15}$")))
        | .ref.version | tonumber] | max) as $newest_serving
    | (if $newest_serving != null and $newest_serving > ($version | tonumber)
       then $newest_serving | tostring else "" end) as $newer
    | ($serving | tostring), $existing, $conflict, $unusable,
      ($before | map_text), ($all | map(.label) | join(", ")),
      $canary_map, ($final | map_text), $restore, ($cleanup | join(" ")),
      ($final | with_entries(select(.key | IN($cleanup[]) | not)) | map_text),
      ($after_labels | join(", ")), $newer
    | clean' 2>&1
}

# --- Rolling out ------------------------------------------------------------------------------

set_traffic() {
  local traffic="$1" what="$2"
  TRAFFIC_TOUCHED=true
  log "Traffic ($what): $traffic"
  if ! aml online-endpoint update --name "$ENDPOINT" --traffic "$traffic" --output none; then
    fail "Shifting traffic ($what: $traffic) on endpoint $ENDPOINT failed."
  fi
}

smoke_test() {
  if [[ -z "$SMOKE_TEST_REQUEST" ]]; then
    log "No smoke test request configured for model $MODEL_NAME: skipping the smoke test."
    return 0
  fi
  if ! capture aml online-endpoint invoke --name "$ENDPOINT" --deployment-name "$DEPLOYMENT" \
    --request-file "$SMOKE_TEST_REQUEST" --output json; then
    fail "Smoke test failed: deployment $DEPLOYMENT did not answer $SMOKE_TEST_REQUEST."
  fi
  # The response is data: quoted, so it cannot start a workflow command.
  json_quote "$REPLY"
  log "Smoke test passed. Response: $REPLY"
}

# Puts traffic back exactly as it was and deletes the deployment this run created. Never
# deletes a deployment that existed before the run, and never deletes one that might still
# receive traffic (when restoring the traffic failed).
roll_back() {
  local restored=true
  ROLLBACK_ARMED=false
  log "Rolling back."
  if $TRAFFIC_TOUCHED; then
    if aml online-endpoint update --name "$ENDPOINT" --traffic "$RESTORE_TRAFFIC" --output none; then
      DETAILS+=("Rolled back: traffic restored to \"$RESTORE_TRAFFIC\".")
    else
      restored=false
      TRAFFIC_AFTER="unknown: restoring it failed"
      DETAILS+=("ROLLBACK INCOMPLETE: restoring traffic failed. Restore it by hand: az ml online-endpoint update --name $ENDPOINT --traffic \"$RESTORE_TRAFFIC\" --resource-group $AML_RESOURCE_GROUP --workspace-name $AML_WORKSPACE")
      annotate error "Rollback incomplete: traffic on $ENDPOINT could not be restored to \"$RESTORE_TRAFFIC\"."
    fi
  fi
  if ! $TRAFFIC_TOUCHED && [[ -z "$CREATED_DEPLOYMENT" ]]; then
    DETAILS+=("Nothing had been changed yet: no rollback needed.")
  fi
  if $restored; then TRAFFIC_AFTER="$TRAFFIC_BEFORE"; fi
  DEPLOYMENTS_AFTER="$DEPLOYMENTS_BEFORE"
  if [[ -n "$CREATED_DEPLOYMENT" ]]; then
    if ! $restored; then
      DEPLOYMENTS_AFTER+="${DEPLOYMENTS_AFTER:+, }$CREATED_DEPLOYMENT"
      DETAILS+=("Deployment $CREATED_DEPLOYMENT was kept because it may still receive traffic; delete it once traffic is restored.")
    elif aml online-deployment delete --name "$CREATED_DEPLOYMENT" --endpoint-name "$ENDPOINT" --yes; then
      DETAILS+=("Rolled back: the failed deployment $CREATED_DEPLOYMENT was deleted.")
    else
      DEPLOYMENTS_AFTER+="${DEPLOYMENTS_AFTER:+, }$CREATED_DEPLOYMENT"
      DETAILS+=("The failed deployment $CREATED_DEPLOYMENT could not be deleted (it receives no traffic); delete it by hand.")
      annotate warning "The failed deployment $CREATED_DEPLOYMENT could not be deleted."
    fi
  fi
}

deploy() {
  local endpoint_json deployments_json plan_fields serving existing conflict unusable newer
  local canary_traffic final_traffic cleanup traffic_after deployments_after name old
  local deleted=() failed_deletes=()

  log "Installing the Azure CLI ml extension $ML_EXTENSION_VERSION."
  if ! az extension add --name ml --version "$ML_EXTENSION_VERSION" --upgrade --yes --only-show-errors; then
    fail "Installing the Azure CLI ml extension $ML_EXTENSION_VERSION failed."
  fi

  if ! aml model show --name "$MODEL_NAME" --version "$MODEL_VERSION" --output none; then
    fail "Model $MODEL_NAME version $MODEL_VERSION could not be read from workspace $AML_WORKSPACE: it is not registered there, or the deploy identity cannot read it."
  fi

  # A failing `show` means the endpoint is missing (the exit status tells, not the message).
  if ! capture aml online-endpoint show --name "$ENDPOINT" --output json; then
    log "Endpoint $ENDPOINT does not exist (the error above is expected): creating it from $ENDPOINT_SPEC."
    if ! capture aml online-endpoint create --name "$ENDPOINT" --file "$ENDPOINT_SPEC" --output json; then
      fail "Creating endpoint $ENDPOINT from $ENDPOINT_SPEC failed."
    fi
    DETAILS+=("Endpoint $ENDPOINT was created from $ENDPOINT_SPEC.")
  fi
  endpoint_json="$REPLY"
  if ! capture aml online-deployment list --endpoint-name "$ENDPOINT" --output json; then
    fail "Listing the deployments of endpoint $ENDPOINT failed."
  fi
  deployments_json="$REPLY"

  if ! capture plan "$endpoint_json" "$deployments_json"; then
    fail "The state of endpoint $ENDPOINT could not be read: ${REPLY//$'\n'/ }"
  fi
  mapfile -t plan_fields <<<"$REPLY"
  serving="${plan_fields[0]-}"
  existing="${plan_fields[1]-}"
  conflict="${plan_fields[2]-}"
  unusable="${plan_fields[3]-}"
  TRAFFIC_BEFORE="${plan_fields[4]-}"
  DEPLOYMENTS_BEFORE="${plan_fields[5]-}"
  canary_traffic="${plan_fields[6]-}"
  final_traffic="${plan_fields[7]-}"
  RESTORE_TRAFFIC="${plan_fields[8]-}"
  cleanup="${plan_fields[9]-}"
  traffic_after="${plan_fields[10]-}"
  deployments_after="${plan_fields[11]-}"
  newer="${plan_fields[12]-}"
  TRAFFIC_AFTER="$TRAFFIC_BEFORE"
  DEPLOYMENTS_AFTER="$DEPLOYMENTS_BEFORE"

  # Event Grid delivers at least once, so the same registration can arrive twice.
  if [[ "$serving" == true ]]; then
    OUTCOME="unchanged"
    DEPLOYMENT="$existing"
    DETAILS+=("Deployment $existing of endpoint $ENDPOINT already serves $MODEL_NAME version $MODEL_VERSION with 100 % of traffic; nothing was changed.")
    return 0
  fi
  # Event Grid redelivers for up to 24 h, so an event for an older version can arrive after a
  # newer version was deployed (and can even displace the newer version's waiting run, since
  # GitHub keeps only the last queued run of a concurrency group). An event only rolls
  # forward: when any share of traffic already goes to a higher version of this model, the
  # event is stale. A person rolls back with workflow_dispatch, which is not checked here.
  if [[ "$GITHUB_EVENT_NAME" == repository_dispatch && -n "$newer" ]]; then
    skip "Model $MODEL_NAME version $MODEL_VERSION is older than the serving version $newer; a repository_dispatch never downgrades — use workflow_dispatch to roll back. Nothing was changed: traffic on endpoint $ENDPOINT stays \"$TRAFFIC_BEFORE\"."
  fi
  if [[ -n "$conflict" ]]; then
    fail "Endpoint $ENDPOINT already has a deployment named $DEPLOYMENT that runs another model: $conflict. Delete it, then run again."
  fi
  if [[ -n "$unusable" ]]; then
    fail "Endpoint $ENDPOINT has a deployment of $MODEL_NAME version $MODEL_VERSION that did not provision: $unusable. Delete it (az ml online-deployment delete --name ${unusable%% *} --endpoint-name $ENDPOINT --yes), then run again."
  fi

  ROLLBACK_ARMED=true
  if [[ -n "$existing" ]]; then
    # A rollback (or redeploy) to a version that still has a deployment: reuse it as it is,
    # so the known-good deployment comes back, rather than failing on a name that exists.
    DEPLOYMENT="$existing"
    DETAILS+=("Deployment $existing already runs $MODEL_NAME version $MODEL_VERSION: reused, not created again.")
    log "Reusing deployment $existing, which already runs $MODEL_NAME:$MODEL_VERSION."
  else
    # Set before the call: a failed create can leave a deployment in state Failed behind.
    CREATED_DEPLOYMENT="$DEPLOYMENT"
    if ! aml online-deployment create --name "$DEPLOYMENT" --endpoint-name "$ENDPOINT" \
      --file "$DEPLOYMENT_SPEC" --set "model=azureml:$MODEL_NAME:$MODEL_VERSION" --output none; then
      fail "Creating deployment $DEPLOYMENT on endpoint $ENDPOINT from $DEPLOYMENT_SPEC failed."
    fi
  fi

  smoke_test

  if [[ -n "$canary_traffic" ]]; then
    set_traffic "$canary_traffic" "canary $CANARY_PERCENT %"
  elif ((CANARY_PERCENT > 0)); then
    log "No canary step: nothing else serves traffic on $ENDPOINT, or $DEPLOYMENT already has $CANARY_PERCENT % or more."
  fi
  set_traffic "$final_traffic" "100 % to $DEPLOYMENT"
  # The new deployment serves everything: from here on nothing is rolled back.
  ROLLBACK_ARMED=false
  TRAFFIC_AFTER="$traffic_after"
  DEPLOYMENTS_AFTER="$deployments_after"

  # Only deployments with no traffic are deleted, and only after the new one serves.
  read -ra old <<<"$cleanup"
  for name in "${old[@]}"; do
    if aml online-deployment delete --name "$name" --endpoint-name "$ENDPOINT" --yes; then
      deleted+=("$name")
    else
      failed_deletes+=("$name")
    fi
  done
  if ((${#deleted[@]} > 0)); then
    DETAILS+=("Deleted earlier deployments beyond keepDeployments=$KEEP_DEPLOYMENTS: ${deleted[*]}.")
  fi
  OUTCOME="succeeded"
  if ((${#failed_deletes[@]} > 0)); then
    # The rollout itself succeeded; a leftover deployment costs money but serves nothing.
    DEPLOYMENTS_AFTER+=", ${failed_deletes[*]} (delete failed)"
    DETAILS+=("Cleanup incomplete: deleting ${failed_deletes[*]} failed (no traffic goes there); delete by hand or let the next rollout retry.")
    annotate warning "Cleanup incomplete: could not delete ${failed_deletes[*]} on $ENDPOINT."
  fi
}

# --- Phases -----------------------------------------------------------------------------------

write_output() {
  if [[ -n "${GITHUB_OUTPUT-}" ]]; then printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; fi
}

# The start time from the validate step, so the duration covers sign-in too.
take_start_time() {
  if [[ "${ROLLOUT_STARTED_AT-}" =~ ^[0-9]{1,12}$ ]]; then STARTED_AT="$ROLLOUT_STARTED_AT"; fi
}

main() {
  PHASE="${1-}"
  case "$PHASE" in
    validate)
      trap on_exit EXIT
      trap 'exit 130' INT TERM
      write_output started_at "$STARTED_AT"
      check_request
      find_target
      OUTCOME="proceeding"
      log "Request valid: $MODEL_NAME version $MODEL_VERSION goes to endpoint $ENDPOINT as deployment $DEPLOYMENT."
      ;;
    deploy)
      take_start_time
      trap on_exit EXIT
      trap 'exit 130' INT TERM
      check_request
      find_target
      deploy
      ;;
    not-started)
      take_start_time
      OUTCOME="failed"
      # Best effort, for the summary only: the endpoint the rollout would have used.
      ENDPOINT="$(jq -r --arg model "$MODEL_NAME" '.[$model].endpoint? // empty' \
        2>/dev/null <<<"$AML_DEPLOYMENT_TARGETS")" || true
      if ! [[ "$ENDPOINT" =~ $ENDPOINT_NAME_RE ]]; then ENDPOINT=""; fi
      DETAILS+=("The rollout did not start: signing in to Azure failed, or the run was cancelled before the rollout step. Nothing was changed in Azure ML.")
      write_summary
      ;;
    *)
      echo "usage: rollout.sh validate | deploy | not-started" >&2
      exit 2
      ;;
  esac
}

main "$@"
