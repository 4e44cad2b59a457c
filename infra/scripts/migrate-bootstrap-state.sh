#!/usr/bin/env bash
# Moves bootstrap-<env>'s local state (.bootstrap-state/bootstrap-<env>.tfstate, written by its first
# apply) into the state bucket that apply created. Run it once "bootstrapState": "bucket" is set in
# infra/environments/<env>.json. It refuses to overwrite state already in the bucket, checks the
# bucket then lists the same resources, and only then renames the local file to *.migrated.
# README: "Setting up an environment". SKIP_SYNTH=1 uses cdktf.out as it is (tests).
set -euo pipefail
env="${1:?usage: infra/scripts/migrate-bootstrap-state.sh <env>}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
stack="bootstrap-$env"
local_state="$root/.bootstrap-state/$stack.tfstate"
dir="$root/cdktf.out/stacks/$stack"

fail() { echo "migrate-bootstrap-state: $*" >&2; exit 1; }
[ -s "$local_state" ] || fail "no local state at $local_state: apply $stack first (INFRA_ENV=$env npm run deploy -- $stack)"
if [ -z "${SKIP_SYNTH:-}" ]; then (cd "$root" && INFRA_ENV="$env" npm run --silent synth >/dev/null); fi
[ -f "$dir/cdk.tf.json" ] || fail "$dir/cdk.tf.json is missing: synthesize $env first"
if grep -q '\.bootstrap-state/' "$dir/cdk.tf.json"; then
  fail "$stack still keeps its state in .bootstrap-state/: set \"bootstrapState\": \"bucket\" in infra/environments/$env.json first"
fi

terraform -chdir="$dir" init -input=false -reconfigure -no-color >/dev/null
if [ -n "$(terraform -chdir="$dir" state list)" ]; then
  fail "the bucket already holds state for $stack; not overwriting it (compare it with $local_state by hand)"
fi
terraform -chdir="$dir" state push "$local_state"
if ! diff <(terraform -chdir="$dir" state list) <(terraform -chdir="$dir" state list -state="$local_state") >/dev/null; then
  fail "the bucket's state does not list the same resources as $local_state; the local file is kept"
fi
mv "$local_state" "$local_state.migrated"
echo "migrate-bootstrap-state: $stack's state is in its bucket now; $local_state.migrated can be deleted once a plan shows no changes"
