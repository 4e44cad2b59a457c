#!/usr/bin/env bash
# For air-gapped builders, where the Dockerfile's base image cannot be pulled: makes a local
# stand-in for it (Debian bookworm minbase from Debian's own mirror, the Node major the tag names
# — this machine's when it matches, else the npm registry's `node@<major>` binary — and this
# machine's npm, a `node` user with uid 1000, the host's CA bundle) and tags it with the base image's name, so
# `podman build --pull=never` uses it. With a registry, the ordinary base image is used instead.
set -euo pipefail
cd "$(dirname "$0")/.."

base=$(sed -n 's/^ARG NODE_IMAGE=//p' Dockerfile)
if podman image exists "$base"; then
  echo "local-base: $base already present"
  exit 0
fi
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
root=$(mktemp -d /var/tmp/node-base.XXXXXX)
trap 'rm -rf "$root"' EXIT

echo "local-base: debootstrap bookworm (minbase) from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null

# The tag's Node major (node:24-bookworm-slim → 24); the image must run what its tag says.
major=$(sed -n 's/^.*:\([0-9][0-9]*\)[.-].*$/\1/p' <<<"$base")
node_bin=$(command -v node)
if [ "$("$node_bin" -p 'process.versions.node.split(".")[0]')" != "$major" ]; then
  scratch=$(mktemp -d /var/tmp/node-bin.XXXXXX)
  trap 'rm -rf "$root" "$scratch"' EXIT
  echo "local-base: this machine's node is $("$node_bin" --version); installing node@$major from the npm registry"
  npm install --prefix "$scratch" --no-audit --no-fund --loglevel=error "node@$major" >/dev/null
  node_bin="$scratch/node_modules/node/bin/node"
fi
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# The build's `npm ci` goes through whatever TLS interception this network has.
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# What Debian's -slim images leave out: docs, man pages, locales, apt lists.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/usr/share/lintian/*

tar -C "$root" -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' - "$base" >/dev/null
echo "local-base: $base made from bookworm + node $("$node_bin" --version)"
