package io.infometis.installer.install;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.bundle.Digests;
import io.infometis.installer.host.HostPaths;

/**
 * Where the install lock lives: in the root's /run for a real install; outside the root for a dry run, in a
 * directory only this user can write ({@link #privateDir}), never loose in a world-writable /tmp.
 */
public final class LockFiles {
    static final String DRY_RUN_DIR = "infometis-dry-run";

    private LockFiles() {
    }

    /**
     * The lock of the install under {@code root}. A dry run writes nothing under the root, so its lock lives in this
     * user's private directory, keyed by the root's path: two dry runs on one root still exclude each other (a dry
     * run and a real install on one root do not: the dry run changes nothing).
     */
    public static Path lockFile(Path root, boolean dryRun) {
        return lockFile(root, dryRun, System.getenv(), Path.of("/run"), Path.of(System.getProperty("java.io.tmpdir")));
    }

    static Path lockFile(Path root, boolean dryRun, Map<String, String> env, Path runDir, Path tmpDir) {
        Path abs = root.toAbsolutePath().normalize();
        if (!dryRun) {
            return HostPaths.of(abs).lockFile();
        }
        String key = Digests.sha256(abs.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        return privateDir(env, runDir, tmpDir).resolve("dry-run-" + key + ".lock");
    }

    /**
     * A directory only this user can write: {@code $XDG_RUNTIME_DIR/infometis-dry-run} when the session has one,
     * else {@code /run/infometis-dry-run} for root, else {@code <tmp>/infometis-dry-run-<uid>}. It is created 0700;
     * one that exists must be a real directory (not a link), owned by this user, with no group or other access.
     * Anything else was planted by someone else, and is refused rather than used.
     */
    static Path privateDir(Map<String, String> env, Path runDir, Path tmpDir) {
        int uid = currentUid();
        String xdg = env.get("XDG_RUNTIME_DIR");
        Path dir;
        if (xdg != null && xdg.startsWith("/") && isPrivate(Path.of(xdg), uid)) {
            dir = Path.of(xdg, DRY_RUN_DIR);
        } else if (uid == 0 && Files.isDirectory(runDir) && Files.isWritable(runDir)) {
            dir = runDir.resolve(DRY_RUN_DIR);
        } else {
            dir = tmpDir.resolve(DRY_RUN_DIR + "-" + uid);
        }
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(EnumSet.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE)));
        } catch (FileAlreadyExistsException exists) {
            // Checked below, whoever made it.
        } catch (IOException e) {
            throw new InstallerException("creating the dry-run lock directory " + dir + ": " + e.getMessage(),
                    "check that " + dir.getParent() + " is writable", ExitCodes.FAILED, e);
        }
        if (!isPrivate(dir, uid)) {
            throw new InstallerException("the dry-run lock directory " + dir + " is not this user's private directory "
                    + "(a link, another owner, or open to others)", "remove it (it may have been planted) and rerun",
                    ExitCodes.FAILED);
        }
        return dir;
    }

    /** A directory itself (not a link to one), owned by {@code uid}, with no group or other permission bits. */
    static boolean isPrivate(Path dir, int uid) {
        try {
            PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            Set<PosixFilePermission> p = a.permissions();
            return a.isDirectory() && owner == uid && p.stream().allMatch(x -> x.name().startsWith("OWNER_"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The effective uid: /proc/self belongs to it (Linux). */
    static int currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            throw new InstallerException("reading this process's uid from /proc/self: " + e.getMessage(),
                    "the installer runs on Linux with /proc mounted", ExitCodes.FAILED, e);
        }
    }
}
