#!/usr/bin/env bash
# Installs the Debian packages the build and tests need: gcc + static zlib for the executable's launcher (src/exe/),
# and what the tests drive for real: containerd + ctr, an OCI registry, skopeo/umoci, the ISO tool chain and qemu
# (e2fsprogs: debugfs reads the ISO test's disk image), chromium for the page test, wrk for the API benchmark,
# prometheus (promtool) and prometheus-alertmanager (amtool) for the stack's monitoring config and alert-rule tests.
# Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
PKGS="gcc libc6-dev zlib1g-dev time containerd runc skopeo umoci docker-registry wrk chromium qemu-system-x86 xorriso squashfs-tools grub-pc-bin grub-efi-amd64-bin grub-common mtools cpio ovmf busybox-static e2fsprogs prometheus prometheus-alertmanager"
missing=$(dpkg-query -W -f='${Package} ${Status}\n' $PKGS 2>/dev/null | awk '$NF!="installed"{print $1}'; for p in $PKGS; do dpkg-query -W "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends $PKGS
fi
