#!/bin/bash
# build-iso.sh: the InfoMetis installer ISO recipe. A hybrid (BIOS + UEFI) GRUB ISO holding
# Debian's kernel, a busybox-static initramfs with the installer in it, and the bundle on the ISO filesystem.
# `infometis iso build` runs this; it also runs by hand (see docs/iso.md). Same inputs, same bytes.
#
#   build-iso.sh --bundle FILE --out FILE --work-dir DIR (--app QUARKUS_APP_DIR | --native EXECUTABLE)
#                [--jdk DIR] [--kernel-deb FILE] [--busybox-deb FILE] [--kernel-args "ARGS"]
#
# Needs: apt-get (Debian), dpkg-deb, grub-mkimage (grub-pc-bin, grub-efi-amd64-bin), xorriso, mtools, cpio, gzip,
# and for --app a JDK 17 with jmods (jlink). Downloads (apt-get download) are cached in the work dir.
set -euo pipefail

RECIPE=$(cd "$(dirname "$0")" && pwd)
BUNDLE="" OUT="" WORK="" APP="" NATIVE="" JDK="${JAVA_HOME:-}" KERNEL_DEB="" BUSYBOX_DEB="" KERNEL_ARGS=""
# What the Quarkus app needs from the JDK, found with jdeps and trimmed by booting it (docs/iso.md).
JRE_MODULES=${JRE_MODULES:-java.base,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,jdk.unsupported,jdk.crypto.ec,jdk.zipfs}
# Drivers loaded at boot: NICs (QEMU's e1000 and virtio, Intel server NICs), the disks/CD-ROMs/USB the ISO may sit on,
# ext4 for the target disk (infometis.disk=; crc32c_generic is ext4's and jbd2's soft dependency, so it goes first),
# and what k0s's containerd and pod network need (overlayfs, bridge netfilter, veth, vxlan, iptables NAT).
KERNEL_MODULES=${KERNEL_MODULES:-e1000 e1000e igb virtio_net virtio_pci ata_piix ahci sr_mod sd_mod isofs usb_storage uas xhci_pci ehci_pci virtio_blk virtio_scsi nvme crc32c_generic ext4 overlay br_netfilter veth vxlan ip_tables iptable_filter iptable_nat xt_conntrack xt_MASQUERADE}

die() { echo "build-iso: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) BUNDLE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --work-dir) WORK=$2; shift 2 ;;
    --app) APP=$2; shift 2 ;;
    --native) NATIVE=$2; shift 2 ;;
    --jdk) JDK=$2; shift 2 ;;
    --kernel-deb) KERNEL_DEB=$2; shift 2 ;;
    --busybox-deb) BUSYBOX_DEB=$2; shift 2 ;;
    --kernel-args) KERNEL_ARGS=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[ -f "$BUNDLE" ] || die "--bundle $BUNDLE is not a file"
[ -n "$OUT" ] || die "--out is required"
[ -n "$WORK" ] || die "--work-dir is required"
[ -n "$APP$NATIVE" ] || die "give --app QUARKUS_APP_DIR or --native EXECUTABLE"
[ -z "$NATIVE" ] || [ -x "$NATIVE" ] || die "--native $NATIVE is not an executable file"
[ -z "$APP" ] || [ -f "$APP/quarkus-run.jar" ] || die "--app $APP holds no quarkus-run.jar"
case "$KERNEL_ARGS" in *[\|\&\;\<\>\`\$\\]*) die "--kernel-args may not contain shell or sed metacharacters" ;; esac
for tool in dpkg-deb grub-mkimage xorriso mformat mcopy cpio gzip sha256sum; do
  command -v "$tool" >/dev/null || die "$tool is missing (install: grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools cpio)"
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
  install -m 0755 "$mke2fs" "$R/sbin/mke2fs"
  [ ! -f "$dir/etc/mke2fs.conf" ] || install -m 0644 "$dir/etc/mke2fs.conf" "$R/etc/mke2fs.conf"
  copy_libs "$R/sbin/mke2fs"   # glibc, and the host's versions of the libraries below until they are replaced
  for pkg in libext2fs2 libcom-err2 libblkid1 libuuid1; do
    dir=$(unpacked "$(cached_deb "$pkg")")
    for lib in $(cd "$dir" && find lib usr/lib -name '*.so.*' 2>/dev/null | sort); do
      mkdir -p "$R/$(dirname "$lib")"
      rm -f "$R/$lib"; cp -a "$dir/$lib" "$R/$lib"
    done
  done
  rm -f "$R/bin/mke2fs"   # the busybox applet would shadow it on PATH
}

# --- kernel modules, dependencies first (read from each module's .modinfo; the deb ships no modules.dep)
MODROOT=$KROOT/lib/modules/$KVER
declare -A KO_PATH=() LOADED=()
while read -r ko; do
  name=$(basename "$ko" .ko); KO_PATH[${name//-/_}]=${ko#"$KROOT/lib/modules/"}
done < <(find "$MODROOT/kernel" -name '*.ko' | sort)
: > "$R/etc/infometis/modules.load"
load_module() {
  local name=${1//-/_} dep
  [ -z "${LOADED[$name]:-}" ] || return 0
  LOADED[$name]=1
  [ -n "${KO_PATH[$name]:-}" ] || { grep -q "/$name.ko$" "$MODROOT/modules.builtin" 2>/dev/null || \
    grep -q "/${1}.ko$" "$MODROOT/modules.builtin" 2>/dev/null || die "kernel module $1 not found in $KERNEL_DEB"; return 0; }
  for dep in $(tr '\0' '\n' < "$KROOT/lib/modules/${KO_PATH[$name]}" | sed -n 's/^depends=//p' | tr ',' ' '); do
    load_module "$dep"
  done
  mkdir -p "$R/lib/modules/$(dirname "${KO_PATH[$name]}")"
  cp "$KROOT/lib/modules/${KO_PATH[$name]}" "$R/lib/modules/${KO_PATH[$name]}"
  echo "${KO_PATH[$name]}" >> "$R/etc/infometis/modules.load"
}
for m in $KERNEL_MODULES; do load_module "$m"; done

# --- the installer: native executable, or a jlink'd runtime + the Quarkus app
copy_libs() {   # the glibc pieces the given ELF files link against, at the paths the loader expects
  local lib
  for lib in $(ldd "$@" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | grep -v "^$R/" | sort -u); do
    mkdir -p "$R$(dirname "$lib")"
    cp -L "$lib" "$R$lib"
  done
}
if [ -n "$NATIVE" ]; then
  cp "$NATIVE" "$R/opt/infometis/bin/infometis"
  chmod 0755 "$R/opt/infometis/bin/infometis"
  copy_libs "$R/opt/infometis/bin/infometis"
  INSTALLER_KIND="native executable"
else
  [ -n "$JDK" ] || JDK=$(dirname "$(dirname "$(readlink -f "$(command -v jlink)")")")
  [ -d "$JDK/jmods" ] || die "$JDK has no jmods: pass --jdk with a full JDK 17 (e.g. /usr/lib/jvm/java-17-openjdk-amd64)"
  JLINK_OPTS="--strip-debug --no-man-pages --no-header-files --compress=0 --generate-cds-archive"
  JRE=$CACHE/jre-$(echo "$JDK $JRE_MODULES $JLINK_OPTS $(cat "$JDK/release" 2>/dev/null)" | sha256sum | cut -c1-16)
  if [ ! -d "$JRE" ]; then
    rm -rf "$JRE.tmp"
    # shellcheck disable=SC2086
    "$JDK/bin/jlink" --module-path "$JDK/jmods" --add-modules "$JRE_MODULES" $JLINK_OPTS --output "$JRE.tmp"
    mv "$JRE.tmp" "$JRE"
  fi
  cp -a "$JRE" "$R/opt/infometis/jre"
  cp -a "$APP" "$R/opt/infometis/app"
  copy_libs "$R/opt/infometis/jre/bin/java" $(find "$R/opt/infometis/jre/lib" -name '*.so' | sort)
  # C1 only and the serial GC: the installer is I/O-bound and boots far faster under emulation.
  cat > "$R/opt/infometis/bin/infometis" <<'EOS'
#!/bin/sh
# No locale files here: UTF-8 is set explicitly. Under emulation a slow event loop is normal, not worth a warning.
CDS=""; [ -f /opt/infometis/app/app-cds.jsa ] && CDS=-XX:SharedArchiveFile=/opt/infometis/app/app-cds.jsa
exec /opt/infometis/jre/bin/java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xss512k $CDS \
  -Dfile.encoding=UTF-8 -Dsun.stdout.encoding=UTF-8 -Dsun.stderr.encoding=UTF-8 \
  -Dquarkus.vertx.max-event-loop-execute-time=60s -Dquarkus.vertx.warning-exception-time=60s \
  $JAVA_OPTS -jar /opt/infometis/app/quarkus-run.jar "$@"
EOS
  chmod 0755 "$R/opt/infometis/bin/infometis"
  APPCDS=1
  INSTALLER_KIND="JVM ($(sed -n 's/^JAVA_VERSION=//p' "$JDK/release" | tr -d '"'), modules $JRE_MODULES)"
fi

install_mke2fs

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

# --- initramfs: sorted names, fixed owners and times, no gzip timestamp
find "$R" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
# An AppCDS archive of the classes the installer loads up to serving its API roughly halves the JVM's start under
# emulation. CDS only accepts the archive at the path it was made for, so it is made inside the initramfs tree
# (chroot, hence root only), after the timestamps are fixed (CDS checks the jars' mtimes).
if [ "${APPCDS:-0}" = 1 ] && [ "${INFOMETIS_ISO_APPCDS:-1}" = 1 ]; then
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$R/tmp/cds-root"
    mount -t proc proc "$R/proc"   # the loader finds libjli.so through /proc/self/exe
    trap 'umount "$R/proc" 2>/dev/null || true' EXIT
    chroot "$R" /opt/infometis/jre/bin/java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto \
      -XX:ArchiveClassesAtExit=/opt/infometis/app/app-cds.jsa -jar /opt/infometis/app/quarkus-run.jar \
      install --bundle /nonexistent --root /tmp/cds-root --api-port 0 --linger 0 > "$WORK/appcds.log" 2>&1 || true
    umount "$R/proc"
    rm -rf "$R/tmp/cds-root" "$R"/tmp/hsperfdata_* "$R/tmp/"*
    [ -f "$R/opt/infometis/app/app-cds.jsa" ] || echo "build-iso: no AppCDS archive (see $WORK/appcds.log); the JVM starts slower" >&2
  else
    echo "build-iso: not root, so no AppCDS archive (chroot needed); the JVM starts slower" >&2
  fi
  find "$R" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
fi
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
