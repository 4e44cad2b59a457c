#!/usr/bin/env bash
# Prints the API_TOKENS value Secret Manager holds now (newest first), or nothing before the first
# apply, for the platform stack's ephemeral input TF_VAR_api_tokens_now: tokens are never in state,
# so a rotation that keeps the previous token reads it here. Needs secretmanager.versions.access
# (the deploy account's secretmanager.admin).
#   api-tokens-now.sh <platform-stack>
set -euo pipefail
json="cdktf.out/stacks/$1/cdk.tf.json"
secret=$(jq -er '[.resource.google_secret_manager_secret[] | .secret_id | select(endswith("-api-tokens"))] | if length == 1 then .[0] else error("expected one *-api-tokens secret") end' "$json")
project=$(jq -er '.provider.google[0].project' "$json")
if ! gcloud secrets describe "$secret" --project="$project" --format='value(name)' >/dev/null 2>&1; then
  # Not created yet: the first apply makes a new token.
  gcloud secrets list --project="$project" --limit=1 --format='value(name)' >/dev/null # fails loudly on no access, rather than passing ""
  exit 0
fi
gcloud secrets versions access latest --secret="$secret" --project="$project"
