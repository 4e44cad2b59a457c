#!/usr/bin/env bash
# terraform init + plan for each synthesized stack (cdktf.out/stacks/<stack>) with the read-only
# plan account: no state lock (it may only read the state bucket). Prints a Markdown summary.
set -euo pipefail
echo "## Terraform plan: $*"
status=0
for stack in "$@"; do
  dir="cdktf.out/stacks/$stack"
  terraform -chdir="$dir" init -input=false -no-color >/dev/null
  set +e
  terraform -chdir="$dir" plan -input=false -lock=false -no-color -detailed-exitcode -out=tfplan > "$dir/plan.log" 2>&1
  code=$?
  set -e
  case $code in
    0) verdict="no changes" ;;
    2) verdict=$(grep -E '^Plan: ' "$dir/plan.log" | tail -1) ;;
    *) verdict="**plan failed**"; status=1 ;;
  esac
  echo
  echo "### \`$stack\`: $verdict"
  echo
  echo "<details><summary>output</summary>"
  echo
  echo '```'
  # PR comments are capped at 65536 characters; the full plan is in the job log.
  tail -c 30000 "$dir/plan.log"
  echo '```'
  echo "</details>"
  cat "$dir/plan.log" >&2
done
exit $status
