#!/usr/bin/env bash
# Podman settings that work on these builders (no Docker engine): runc (crun fails with "cgroups
# in hybrid mode not supported"), cgroupfs, file events, and default ulimits no higher than the
# host's hard limits (runc refuses to raise them). Writes containers.conf: the system's when run
# as root (root's podman does not read ~/.config), else the user's.
set -euo pipefail

nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
if [ "$nofile" = unlimited ]; then nofile=1048576; fi

if [ "$(id -u)" -eq 0 ]; then conf_dir=/etc/containers; else conf_dir="${XDG_CONFIG_HOME:-$HOME/.config}/containers"; fi
mkdir -p "$conf_dir"
cat > "$conf_dir/containers.conf" <<CONF
# Written by image/podman-config.sh
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
# Overlay storage is podman's default where the kernel has it; vfs works too but copies every
# layer (5× slower here), so say so when it is what podman picked.
driver=$(podman info --format '{{.Store.GraphDriverName}}' 2>/dev/null || echo unknown)
[ "$driver" = overlay ] || echo "podman-config: storage driver is $driver, not overlay: builds will be slow" >&2
echo "podman-config: $conf_dir/containers.conf (runc, cgroupfs, nofile=$nofile, nproc=$nproc)"
