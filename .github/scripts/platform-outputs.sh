#!/usr/bin/env bash
# Reads the platform stack's outputs for the next steps, masking the secret ones in the log.
set -euo pipefail
dir="cdktf.out/stacks/$1"
for name in gateway_url api_key api_token; do
  value=$(terraform -chdir="$dir" output -raw "$name")
  [ "$name" = gateway_url ] || echo "::add-mask::$value"
  echo "$name=$value" >> "$GITHUB_OUTPUT"
done
