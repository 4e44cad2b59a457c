#!/usr/bin/env bash
# After the platform apply: the gateway URL from its outputs, and the newest API key and bearer
# token read from the APIs that hold them (API Keys, Secret Manager) with the deploy account's
# rights: no output or state carries the token. Secret values are masked in the log.
#   platform-outputs.sh <platform-stack>   (writes gateway_url, api_key, api_token to $GITHUB_OUTPUT)
set -euo pipefail
dir="cdktf.out/stacks/$1"
output() { terraform -chdir="$dir" output -raw "$1"; }
gateway_url=$(output gateway_url)
api_key=$(gcloud services api-keys get-key-string "$(output api_key_id)" --format='value(keyString)')
tokens=$(gcloud secrets versions access latest --secret="$(output api_tokens_secret)")
api_token=${tokens%%,*}
for value in "$api_key" "$api_token"; do echo "::add-mask::$value"; done
{
  echo "gateway_url=$gateway_url"
  echo "api_key=$api_key"
  echo "api_token=$api_token"
} >> "$GITHUB_OUTPUT"
