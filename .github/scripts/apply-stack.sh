#!/usr/bin/env bash
# terraform init + apply of one synthesized stack (cdktf.out/stacks/<stack>), with the state lock.
set -euo pipefail
dir="cdktf.out/stacks/$1"
terraform -chdir="$dir" init -input=false -no-color
terraform -chdir="$dir" apply -input=false -auto-approve -no-color
