#!/usr/bin/env bash
# terraform init -backend=false + terraform validate for every synthesized stack (cdktf.out/stacks/*,
# or the folder given): the provider schemas check what the encoded rules in infra/policies cannot.
# Needs no credentials and no state. Validates every stack, then fails if any failed.
set -euo pipefail
stacks="${1:-cdktf.out/stacks}"
[ -n "$(ls -A "$stacks" 2>/dev/null)" ] || { echo "::error::no synthesized stacks in $stacks"; exit 1; }
failed=()
for dir in "$stacks"/*/; do
  stack="$(basename "$dir")"
  echo "::group::validate $stack"
  if terraform -chdir="$dir" init -backend=false -input=false -no-color && terraform -chdir="$dir" validate -no-color; then
    echo "::endgroup::"
  else
    echo "::endgroup::"
    echo "::error::terraform validate failed for $stack"
    failed+=("$stack")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "invalid stacks: ${failed[*]}" >&2
  exit 1
fi
