#!/bin/bash
# build-iso.sh: the InfoMetis installer ISO recipe. A hybrid (BIOS + UEFI) GRUB ISO holding
# Debian's kernel, a busybox-static initramfs with the installer in it, and the bundle on the ISO filesystem.
# `infometis iso build` runs this; it also runs by hand (see docs/iso.md). Same inputs, same bytes.
#
#   build-iso.sh --bundle FILE --out FILE --work-dir DIR --installer EXECUTABLE
#                [--kernel-deb FILE] [--busybox-deb FILE] [--kernel-args "ARGS"]
#
# --installer: target/infometis, the self-contained executable `./mvnw package` makes (the one runtime recipe:
# docs/executable.md), or a native executable (-Dnative). Needs: apt-get (Debian), dpkg-deb, grub-mkimage
# (grub-pc-bin, grub-efi-amd64-bin), xorriso, mtools, cpio, gzip, mksquashfs (squashfs-tools). Downloads (apt-get download) are cached in the work dir.
set -euo pipefail

RECIPE=$(cd "$(dirname "$0")" && pwd)
BUNDLE="" OUT="" WORK="" INSTALLER="" KERNEL_DEB="" BUSYBOX_DEB="" KERNEL_ARGS=""
# Drivers. BOOT_MODULES and NET_MODULES sit in the initramfs and load at once, side by side: what finds the medium
# (disks, CD-ROMs and USB the ISO may sit on, iso9660, and loop + squashfs for the system image on it) and what
# reaches the network (QEMU's e1000 and virtio, Intel server NICs). LATE_MODULES sit in the system image on the
# medium and load while DHCP waits: ext4 for the target disk (infometis.disk=; crc32c_generic is ext4's and jbd2's
# soft dependency, so it goes first) and what k0s's containerd and pod network need (overlayfs, bridge netfilter,
# veth, vxlan, iptables NAT). GRUB reads every byte of the initramfs slowly (~3 MB/s under emulation), so what is not
# needed to find the medium is not in it. Each list holds its own dependencies: the kernel makes a second load of a
# module wait until the first is live, then refuses it, so two lists may share one.
BOOT_MODULES=${BOOT_MODULES:-ata_piix ahci sr_mod sd_mod isofs loop squashfs usb_storage uas xhci_pci ehci_pci virtio_pci virtio_blk virtio_scsi nvme}
NET_MODULES=${NET_MODULES:-e1000 e1000e igb virtio_pci virtio_net}
LATE_MODULES=${LATE_MODULES:-crc32c_generic ext4 overlay br_netfilter veth vxlan ip_tables iptable_filter iptable_nat xt_conntrack xt_MASQUERADE}

die() { echo "build-iso: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) BUNDLE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --work-dir) WORK=$2; shift 2 ;;
    --installer|--native) INSTALLER=$2; shift 2 ;;
    --app) die "--app is gone: the ISO carries the self-contained executable; pass --installer target/infometis (./mvnw package)" ;;
    --kernel-deb) KERNEL_DEB=$2; shift 2 ;;
    --busybox-deb) BUSYBOX_DEB=$2; shift 2 ;;
    --kernel-args) KERNEL_ARGS=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[ -f "$BUNDLE" ] || die "--bundle $BUNDLE is not a file"
[ -n "$OUT" ] || die "--out is required"
[ -n "$WORK" ] || die "--work-dir is required"
[ -n "$INSTALLER" ] || die "--installer is required: target/infometis (./mvnw package) or a native executable"
[ -f "$INSTALLER" ] && [ -x "$INSTALLER" ] || die "--installer $INSTALLER is not an executable file: pass target/infometis (./mvnw package) or a native executable"
case "$KERNEL_ARGS" in *[\|\&\;\<\>\`\$\\]*) die "--kernel-args may not contain shell or sed metacharacters" ;; esac
for tool in dpkg-deb grub-mkimage xorriso mformat mcopy cpio gzip sha256sum mksquashfs; do
  command -v "$tool" >/dev/null || die "$tool is missing (install: grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools cpio squashfs-tools)"
done
mkdir -p "$WORK/cache"
WORK=$(cd "$WORK" && pwd)
CACHE=$WORK/cache
export LC_ALL=C

# A Debian package from the cache, else `apt-get download`ed into it. Never installed on this host.
cached_deb() {
  local pkg=$1 deb
  deb=$(ls "$CACHE/${pkg}_"*.deb 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$deb" ]; then
    (cd "$CACHE" && apt-get download "$pkg" >"$CACHE/apt-$pkg.log" 2>&1) || die "apt-get download $pkg failed (see $CACHE/apt-$pkg.log)"
    deb=$(ls "$CACHE/${pkg}_"*.deb | sort -V | tail -1)
  fi
  echo "$deb"
}
unpacked() {
  local deb=$1 dir
  dir=$CACHE/unpacked/$(basename "$deb" .deb)
  if [ ! -d "$dir" ]; then
    rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
    dpkg-deb -x "$deb" "$dir.tmp"
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}
if [ -z "$KERNEL_DEB" ]; then
  # linux-image-amd64 is a metapackage; the kernel is in the versioned package it depends on.
  kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$kpkg" ] || die "apt-cache knows no linux-image-amd64 (run apt-get update, or pass --kernel-deb)"
  KERNEL_DEB=$(cached_deb "$kpkg")
fi
[ -n "$BUSYBOX_DEB" ] || BUSYBOX_DEB=$(cached_deb busybox-static)
KROOT=$(unpacked "$KERNEL_DEB")
BBROOT=$(unpacked "$BUSYBOX_DEB")
KVER=$(ls "$KROOT/lib/modules" | sort -V | tail -1)
[ -f "$KROOT/boot/vmlinuz-$KVER" ] || die "$KERNEL_DEB holds no boot/vmlinuz-$KVER"
# Timestamps come from an input (the kernel package's build), so rebuilding later gives the same bytes.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(stat -c %Y "$KROOT/boot/vmlinuz-$KVER")}

R=$WORK/rootfs
ISODIR=$WORK/isodir
rm -rf "$R" "$ISODIR"
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,media,root,etc/infometis,lib/modules,var/log,opt/infometis/bin}
mkdir -p "$ISODIR/boot/grub" "$ISODIR/infometis/bundle"

# --- busybox userland
cp "$BBROOT/bin/busybox" "$R/bin/busybox"
for applet in $("$R/bin/busybox" --list); do
  [ -e "$R/bin/$applet" ] || ln -s busybox "$R/bin/$applet"
done

# --- mke2fs for the target disk: busybox's only makes ext2 (no journal), so Debian's e2fsprogs provides it, with
# the libraries it links taken from their own packages (downloaded and extracted like the kernel, never installed).
# Installed after the glibc copies below, so these versions win over the build host's.
install_mke2fs() {
  local pkg dir lib
  dir=$(unpacked "$(cached_deb e2fsprogs)")
  local mke2fs; mke2fs=$(find "$dir" -path '*sbin/mke2fs' -type f | head -1)
  [ -n "$mke2fs" ] || die "the e2fsprogs package holds no mke2fs"
  mkdir -p "$LIBROOT/sbin"
  install -m 0755 "$mke2fs" "$LIBROOT/sbin/mke2fs"
  ln -s "$SYSTEM_MNT/root/sbin/mke2fs" "$R/sbin/mke2fs"
  [ ! -f "$dir/etc/mke2fs.conf" ] || install -m 0644 "$dir/etc/mke2fs.conf" "$R/etc/mke2fs.conf"
  copy_libs "$LIBROOT/sbin/mke2fs"   # glibc, and the host's versions of the libraries below until they are replaced
  for pkg in libext2fs2 libcom-err2 libblkid1 libuuid1; do
    dir=$(unpacked "$(cached_deb "$pkg")")
    for lib in $(cd "$dir" && find lib usr/lib -name '*.so.*' 2>/dev/null | sort); do
      mkdir -p "$LIBROOT/$(dirname "$lib")"
      rm -f "$LIBROOT/$lib"; cp -a "$dir/$lib" "$LIBROOT/$lib"
    done
  done
  rm -f "$R/bin/mke2fs"   # the busybox applet would shadow it on PATH
}

# --- kernel modules, dependencies first (read from each module's .modinfo; the deb ships no modules.dep). Each list
# names paths under its root, in load order.
MODROOT=$KROOT/lib/modules/$KVER
SYSTEM=$WORK/system   # the system image's tree: runtime/ (the installer's, when it is the executable), modules/, root/
SYSTEM_MNT=/run/infometis/system   # where the init mounts it
LIBROOT=$SYSTEM/root
rm -rf "$SYSTEM"; mkdir -p "$SYSTEM/modules" "$LIBROOT"
declare -A KO_PATH=() LOADED=()
while read -r ko; do
  name=$(basename "$ko" .ko); KO_PATH[${name//-/_}]=${ko#"$KROOT/lib/modules/"}
done < <(find "$MODROOT/kernel" -name '*.ko' | sort)
load_module() {   # NAME DEST_ROOT LIST
  local name=${1//-/_} dep
  [ -z "${LOADED[$name]:-}" ] || return 0
  LOADED[$name]=1
  [ -n "${KO_PATH[$name]:-}" ] || { grep -q "/$name.ko$" "$MODROOT/modules.builtin" 2>/dev/null || \
    grep -q "/${1}.ko$" "$MODROOT/modules.builtin" 2>/dev/null || die "kernel module $1 not found in $KERNEL_DEB"; return 0; }
  for dep in $(tr '\0' '\n' < "$KROOT/lib/modules/${KO_PATH[$name]}" | sed -n 's/^depends=//p' | tr ',' ' '); do
    load_module "$dep" "$2" "$3"
  done
  mkdir -p "$2/$(dirname "${KO_PATH[$name]}")"
  cp "$KROOT/lib/modules/${KO_PATH[$name]}" "$2/${KO_PATH[$name]}"
  echo "${KO_PATH[$name]}" >> "$3"
}
: > "$R/etc/infometis/modules.load"
: > "$R/etc/infometis/modules-late.load"
: > "$R/etc/infometis/modules-net.load"
for m in $BOOT_MODULES; do load_module "$m" "$R/lib/modules" "$R/etc/infometis/modules.load"; done
LOADED=()
for m in $NET_MODULES; do load_module "$m" "$R/lib/modules" "$R/etc/infometis/modules-net.load"; done
LOADED=()
for m in $LATE_MODULES; do load_module "$m" "$SYSTEM/modules" "$R/etc/infometis/modules-late.load"; done

# --- the installer: the self-contained executable (target/infometis), or a native one
# The dynamic libraries (glibc for java and mke2fs) live in the system image, under root/, and the initramfs links
# their directories there: GRUB reads the initramfs at ~3 MB/s under emulation and nothing dynamic runs before the
# image is mounted (busybox and the launcher are static).
copy_libs() {   # the glibc pieces the given ELF files link against, at the paths the loader expects
  local lib
  for lib in $(ldd "$@" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}' | grep -v -e "^$R/" -e "^$SYSTEM/" | sort -u); do
    mkdir -p "$LIBROOT$(dirname "$lib")"
    cp -L "$lib" "$LIBROOT$lib"
  done
}
if [ "$(tail -c 128 "$INSTALLER" | head -c 15 | tr -d '\0')" = "INFOMETIS-EXE-1" ]; then
  # The executable unpacks its own runtime (checked against its digest) here, once, into the system image, which the
  # init loop-mounts from the medium on /run/infometis/system; the JVM runs from it in place, reading (and the kernel
  # inflating) only what it touches. Measured under emulation: GRUB reads ~3 MB/s and the kernel
  # inflated the whole runtime before init ran when it sat in the initramfs (13 s of a 28 s boot); zisofs on the ISO
  # filesystem reads so slowly (3 MB/s) that the JVM took 27 s; a loop-mounted squashfs reads in large blocks.
  # The initramfs keeps the launcher and trailer (the executable without its payload, which the launcher only reads
  # to unpack). The whole executable is not put on the ISO as well: +84 MiB for a copy the operator already has.
  RUNTIME=$SYSTEM/runtime
  INFOMETIS_RUNTIME_DIR=$RUNTIME "$INSTALLER" version > "$WORK/installer-version.txt" 2>&1 \
    || die "the installer would not run here: $(tail -1 "$WORK/installer-version.txt")"
  grep -q '^runtime: .* in use$' "$WORK/installer-version.txt" || die "the installer's runtime is not usable: $(cat "$WORK/installer-version.txt")"
  RUNTIME_DIR=$(ls -d "$RUNTIME"/*)
  # Only `install` runs here unattended; any other command the operator types at the console uses install's cache
  # too (a cache fits every command: it only holds more classes than one needs). Saves 12 MiB of ISO.
  if [ -f "$RUNTIME_DIR/install.aot" ] && [ -f "$RUNTIME_DIR/cli.aot" ]; then
    rm "$RUNTIME_DIR/cli.aot" && ln -s install.aot "$RUNTIME_DIR/cli.aot" && touch -h -r "$RUNTIME_DIR/install.aot" "$RUNTIME_DIR/cli.aot"
  fi
  OFFSET=$(tail -c 128 "$INSTALLER" | cut -c17-36 | sed 's/^0*//')
  { head -c "$OFFSET" "$INSTALLER"; tail -c 128 "$INSTALLER"; } > "$R/opt/infometis/bin/infometis-launcher"
  chmod 0755 "$R/opt/infometis/bin/infometis-launcher"
  # No locale files here: UTF-8 is set explicitly. Under emulation a slow event loop is normal, not worth a warning.
  # infometis.java_opts= (JAVA_OPTS) adds JVM options.
  cat > "$R/opt/infometis/bin/infometis" <<'EOS'
#!/bin/sh
[ -d /run/infometis/system/runtime ] || { echo "ERROR: the installer's runtime is not mounted — mount the medium on /media, then: mount -t squashfs -o loop,ro /media/infometis/system.squashfs /run/infometis/system" >&2; exit 2; }
export INFOMETIS_RUNTIME_DIR=/run/infometis/system/runtime
export INFOMETIS_JAVA_OPTS="-Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8 -Dquarkus.vertx.max-event-loop-execute-time=60s -Dquarkus.vertx.warning-exception-time=60s ${JAVA_OPTS:-}"
exec /opt/infometis/bin/infometis-launcher "$@"
EOS
  chmod 0755 "$R/opt/infometis/bin/infometis"
  copy_libs "$RUNTIME_DIR/bin/java" $(find "$RUNTIME_DIR/lib" -name '*.so' | sort)
  INSTALLER_KIND="self-contained executable: $(sed -n 's/^runtime: //p' "$WORK/installer-version.txt")"
else
  cp "$INSTALLER" "$R/opt/infometis/bin/infometis"
  chmod 0755 "$R/opt/infometis/bin/infometis"
  copy_libs "$R/opt/infometis/bin/infometis"
  INSTALLER_KIND="native executable"
fi

install_mke2fs
for d in lib64 lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu; do
  [ -d "$LIBROOT/$d" ] || continue
  mkdir -p "$R/$(dirname "$d")"
  rm -rf "${R:?}/$d"
  ln -s "$SYSTEM_MNT/root/$d" "$R/$d"
done

# --- the system image: runtime files keep the times the payload gave them (the AOT cache checks the jars' times),
# the rest get SOURCE_DATE_EPOCH. Not exported to mksquashfs: 4.5 would stamp it on every file.
find "$SYSTEM" -path "$SYSTEM/runtime/*" ! -type d -prune -o -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
env -u SOURCE_DATE_EPOCH mksquashfs "$SYSTEM" "$ISODIR/infometis/system.squashfs" -comp zstd -Xcompression-level 15 \
  -b 128K -all-root -mkfs-time "$SOURCE_DATE_EPOCH" -root-time "$SOURCE_DATE_EPOCH" -noappend -quiet -no-progress \
  > "$WORK/mksquashfs.log" 2>&1 || { cat "$WORK/mksquashfs.log" >&2; die "mksquashfs failed"; }
rm -rf "$SYSTEM"

# --- configuration the init reads
BUNDLE_NAME=$(basename "$BUNDLE")
(cd "$(dirname "$BUNDLE")" && sha256sum "$BUNDLE_NAME") > "$R/etc/infometis/bundle.sha256"
cp "$R/etc/infometis/bundle.sha256" "$ISODIR/infometis/bundle.sha256"
echo "kernel $KVER, installer: $INSTALLER_KIND, bundle $BUNDLE_NAME" > "$R/etc/infometis/iso-release"
install -m 0755 "$RECIPE/init" "$R/init"
install -m 0755 "$RECIPE/udhcpc.script" "$R/etc/infometis/udhcpc.script"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd"
printf 'root:x:0:\n' > "$R/etc/group"
printf '127.0.0.1 localhost infometis-installer\n' > "$R/etc/hosts"
: > "$R/etc/resolv.conf"

# --- initramfs: sorted names, fixed owners and times, no gzip timestamp.
find "$R" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
(cd "$R" && find . -mindepth 1 -print0 | sort -z | cpio --null -o -H newc --reproducible -R 0:0 --quiet | gzip -6n) \
  > "$ISODIR/boot/initrd.img"
cp "$KROOT/boot/vmlinuz-$KVER" "$ISODIR/boot/vmlinuz"
sed "s|@KERNEL_ARGS@|$KERNEL_ARGS|" "$RECIPE/grub.cfg" > "$ISODIR/boot/grub/grub.cfg"

# --- the hybrid ISO, put together the way grub-mkrescue does it but with every date taken from SOURCE_DATE_EPOCH
# (grub-mkrescue stamps the wall clock into the volume UUID that its GRUB images search for).
# BIOS: an El Torito core image + GRUB's hybrid MBR; UEFI: BOOTX64.EFI in a FAT image. Both have every module they
# need built in and find the ISO by its UUID, the modification date. all_video lets the kernel inherit a UEFI
# framebuffer, so the screen shows the log too. The bundle is grafted in from where it lies (no copy): it rides on
# the ISO filesystem, not in RAM, and the init copies it to local storage at boot.
G=$WORK/grub
rm -rf "$G"; mkdir -p "$G/iso" "$G/efi/EFI/BOOT" "$ISODIR/boot/grub/i386-pc"
ISO_UUID=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d-%H-%M-%S-00)
ISO_DATE=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d%H%M%S00)
cat > "$G/embed.cfg" <<EOC
search --no-floppy --fs-uuid --set=root $ISO_UUID
set prefix=(\$root)/boot/grub
EOC
GRUB_MODULES="iso9660 part_msdos part_gpt normal linux search search_fs_uuid serial terminal echo test configfile all_video"
grub-mkimage -O i386-pc-eltorito -o "$ISODIR/boot/grub/i386-pc/eltorito.img" -p /boot/grub -c "$G/embed.cfg" \
  biosdisk $GRUB_MODULES
grub-mkimage -O x86_64-efi -o "$G/efi/EFI/BOOT/BOOTX64.EFI" -p /boot/grub -c "$G/embed.cfg" $GRUB_MODULES
find "$ISODIR" "$G/efi" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
TZ=UTC mformat -C -f 2880 -L 16 -N "$(printf %08X $((SOURCE_DATE_EPOCH & 0xffffffff)))" -i "$G/iso/efi.img" ::
TZ=UTC mcopy -s -m -i "$G/iso/efi.img" "$G/efi/EFI" ::/
touch -d "@$SOURCE_DATE_EPOCH" "$G/iso/efi.img"
mkdir -p "$(dirname "$OUT")"
# A fresh private directory beside the ISO (mktemp: 0700, unpredictable): a predictable "$OUT.tmp" in a shared
# directory such as /tmp could be a planted link that xorriso would write through.
OUT_TMP=$(mktemp -d "$(dirname "$OUT")/.infometis-iso.XXXXXXXX")
xorriso -as mkisofs -graft-points --modification-date="$ISO_DATE" \
  -b boot/grub/i386-pc/eltorito.img -no-emul-boot -boot-load-size 4 -boot-info-table --grub2-boot-info \
  --grub2-mbr /usr/lib/grub/i386-pc/boot_hybrid.img \
  --efi-boot efi.img -efi-boot-part --efi-boot-image --protective-msdos-label \
  -o "$OUT_TMP/out.iso" -r "$G/iso" --sort-weight 0 / --sort-weight 1 /boot "$ISODIR" \
  -- -volid INFOMETIS -volume_date all_file_dates "=$SOURCE_DATE_EPOCH" \
  -map "$(readlink -f "$BUNDLE")" "/infometis/bundle/$BUNDLE_NAME" \
  > "$WORK/xorriso.log" 2>&1 || { rm -rf "$OUT_TMP"; cat "$WORK/xorriso.log" >&2; die "xorriso failed"; }
mv "$OUT_TMP/out.iso" "$OUT" && rmdir "$OUT_TMP"
echo "build-iso: $OUT ($(du -k "$OUT" | cut -f1) KiB; kernel $KVER; installer $INSTALLER_KIND)"
