#!/usr/bin/env bash
# Builds the service image with podman, as CI does where no Docker engine runs:
#   image/build.sh [tag]      (default tag: inference-service:<hash of the build inputs>)
# Skips the build when an image for the same inputs exists. Set AIRGAPPED=0 to pull the real
# base image instead of making the local stand-in.
set -euo pipefail
cd "$(dirname "$0")/.."

inputs_hash=$( (cat Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json; find service/src service/build service/migrations models -maxdepth 3 -type f ! -name '*.test.ts' ! -path 'models/samples/*' | sort | xargs cat) | sha256sum | cut -c1-12)
tag="${1:-inference-service:$inputs_hash}"

image/podman-config.sh >/dev/null
if podman image exists "$tag"; then
  echo "build: $tag already built from these inputs" >&2
  echo "$tag"
  exit 0
fi
pull=--pull=never
if [ "${AIRGAPPED:-1}" = 1 ]; then image/local-base.sh; else pull=--pull=missing; fi
podman build "$pull" --format docker --network host -t "$tag" . >&2
size=$(podman image inspect "$tag" --format '{{.Size}}')
echo "build: $tag, $((size / 1000000)) MB" >&2
echo "$tag"
