package io.infometis.installer.host;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;

/**
 * Creates a volume directory without trusting what is already on the path: {@code /tmp} is world-writable, so any
 * user could plant {@code /tmp/infometis} as a symlink into {@code /etc} and have root chown it. Every element under
 * the root is checked without following links; a symlink, a non-directory or a parent owned by someone else is
 * refused. New directories are created 0700, and only then given their owner and mode.
 */
public final class VolumeDirectories {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private final HostGate gate;

    public VolumeDirectories(HostGate gate) {
        this.gate = gate;
    }

    /**
     * @param root     the install root; elements above it are the operator's choice and are not checked
     * @param hostPath absolute host path, e.g. {@code /tmp/infometis/volumes/kafka/data}
     * @return true when something was created or changed
     */
    public boolean ensure(Path root, String hostPath, int uid, int gid, String mode) throws IOException {
        Path rel = Path.of(hostPath.startsWith("/") ? hostPath.substring(1) : hostPath);
        for (Path seg : rel) {
            // Callers pass HostPaths.volumeHostPath's result; a '.' or '..' segment would walk out of the root.
            if (seg.toString().equals("..") || seg.toString().equals(".")) {
                throw refused(hostPath + " has a '.' or '..' segment");
            }
        }
        Path current = root;
        boolean changed = false;
        int myUid = uidOf(Path.of("/proc/self"));
        for (int i = 0; i < rel.getNameCount(); i++) {
            current = current.resolve(rel.getName(i).toString());
            boolean last = i == rel.getNameCount() - 1;
            Path dir = current;
            if (Files.isSymbolicLink(dir)) {
                throw refused(dir + " is a symlink the installer did not create");
            }
            if (Files.exists(dir, NOFOLLOW)) {
                PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, NOFOLLOW);
                if (!a.isDirectory()) {
                    throw refused(dir + " exists and is not a directory");
                }
                if (last) {
                    changed |= fixOwnerAndMode(dir, a, uid, gid, mode);
                } else if (i > 0 && uidOf(dir) != myUid && uidOf(dir) != 0) {
                    // /tmp itself is shared; below it, a directory owned by another user lets that user swap its children.
                    throw refused(dir + " is owned by uid " + uidOf(dir) + ", not by root");
                }
                continue;
            }
            String finalMode = last ? mode : "0755";
            gate.mutate("create directory " + dir + (last ? " owned " + uid + ":" + gid : "") + " (" + finalMode + ")", () -> {
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(HostGate.perms("0700")));
                } catch (FileAlreadyExistsException raced) {
                    throw refused(dir + " appeared while the installer was creating it");
                }
                PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class, NOFOLLOW);
                if (last) {
                    Files.setAttribute(dir, "unix:uid", uid, NOFOLLOW);
                    Files.setAttribute(dir, "unix:gid", gid, NOFOLLOW);
                }
                view.setPermissions(HostGate.perms(finalMode));
            });
            changed = true;
        }
        return changed;
    }

    private boolean fixOwnerAndMode(Path dir, PosixFileAttributes a, int uid, int gid, String mode) throws IOException {
        int haveUid = (Integer) Files.getAttribute(dir, "unix:uid", NOFOLLOW);
        int haveGid = (Integer) Files.getAttribute(dir, "unix:gid", NOFOLLOW);
        boolean sameMode = a.permissions().equals(HostGate.perms(mode));
        if (haveUid == uid && haveGid == gid && sameMode) {
            return false;
        }
        gate.mutate("set " + dir + " to " + uid + ":" + gid + " " + mode + " (was " + haveUid + ":" + haveGid + " "
                + PosixFilePermissions.toString(a.permissions()) + ")", () -> {
                    Files.setAttribute(dir, "unix:uid", uid, NOFOLLOW);
                    Files.setAttribute(dir, "unix:gid", gid, NOFOLLOW);
                    Files.getFileAttributeView(dir, PosixFileAttributeView.class, NOFOLLOW).setPermissions(HostGate.perms(mode));
                });
        return true;
    }

    private static int uidOf(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", NOFOLLOW);
    }

    private static InstallerException refused(String what) {
        return new InstallerException("volume path refused: " + what,
                "remove it (it was not made by the installer) or choose another --volumes-dir", ExitCodes.FAILED);
    }
}
