package io.infometis.installer.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;

class InstallLockTest {
    /** Tests run as root here: without this, the dry-run lock would go to the real /run. */
    private static final Path NO_RUN = Path.of("/nonexistent-run");

    @TempDir
    Path root;

    @Test
    void aSecondInstallerOnTheSameRootIsRefusedWithTheHoldersPid() {
        try (InstallLock first = InstallLock.acquire(LockFiles.lockFile(root, false))) {
            InstallerException e = assertThrows(InstallerException.class,
                    () -> InstallLock.acquire(LockFiles.lockFile(root, false)));
            assertEquals(ExitCodes.LOCKED, e.exitCode());
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
        }
        InstallLock.acquire(LockFiles.lockFile(root, false)).close();
    }

    @Test
    void theLockOfARealInstallLivesInTheRootsRun() {
        assertEquals(root.resolve("run/infometis/install.lock"), LockFiles.lockFile(root, false));
    }

    @Test
    void aDryRunsLockLivesOutsideTheRootAndStillExcludesASecondDryRun() {
        Path lock = LockFiles.lockFile(root, true);
        assertFalse(lock.startsWith(root));
        assertEquals(lock, LockFiles.lockFile(root.resolve("x/.."), true), "keyed by the normalised root");
        try (InstallLock first = InstallLock.acquire(lock)) {
            assertEquals(ExitCodes.LOCKED,
                    assertThrows(InstallerException.class, () -> InstallLock.acquire(LockFiles.lockFile(root, true))).exitCode());
        }
    }

    /**
     * The old dry-run lock was {@code /tmp/infometis-dry-run-<hash>.lock}, opened following links: a link planted
     * there made root overwrite its target. Links planted at the old name and at the new one are never written
     * through; the one at the new name is refused with one line.
     */
    @Test
    void aSymlinkPlantedAtTheOldOrNewDryRunLockIsNeverWrittenThrough(@TempDir Path tmp) throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim"), "precious\n");
        String key = io.infometis.installer.bundle.Digests.sha256(root.toAbsolutePath().normalize().toString()
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 16);
        Files.createSymbolicLink(tmp.resolve("infometis-dry-run-" + key + ".lock"), victim);

        Path lock = LockFiles.lockFile(root, true, Map.of(), NO_RUN, tmp);
        assertTrue(lock.startsWith(tmp.resolve("infometis-dry-run-" + LockFiles.currentUid())), lock.toString());
        InstallLock.acquire(lock).close();
        assertEquals("precious\n", Files.readString(victim), "the old name is not used at all");

        Files.delete(lock);
        Files.createSymbolicLink(lock, victim);
        InstallerException e = assertThrows(InstallerException.class, () -> InstallLock.acquire(lock));
        assertTrue(e.getMessage().contains("is a symbolic link"), e.getMessage());
        assertEquals("precious\n", Files.readString(victim));
        assertEquals(1, e.oneLine().lines().count());
    }

    @Test
    void aPlantedDryRunDirectoryIsRefused(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("infometis-dry-run-" + LockFiles.currentUid());
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwx------"));
        Files.createSymbolicLink(dir, elsewhere);
        InstallerException link = assertThrows(InstallerException.class, () -> LockFiles.lockFile(root, true, Map.of(), NO_RUN, tmp));
        assertTrue(link.getMessage().contains("not this user's private directory"), link.getMessage());
        assertEquals(List.of(), list(elsewhere), "nothing written through the link");

        Files.delete(dir);
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThrows(InstallerException.class, () -> LockFiles.lockFile(root, true, Map.of(), NO_RUN, tmp), "open to others");

        if (LockFiles.currentUid() == 0) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Files.setAttribute(dir, "unix:uid", 4242);
            assertThrows(InstallerException.class, () -> LockFiles.lockFile(root, true, Map.of(), NO_RUN, tmp), "another owner");
        }
    }

    @Test
    void rootKeepsItsDryRunLocksInARootOwned0700DirectoryUnderRun(@TempDir Path run, @TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(LockFiles.currentUid() == 0, "only root uses /run");
        Path lock = LockFiles.lockFile(root, true, Map.of(), run, tmp);
        assertEquals(run.resolve("infometis-dry-run"), lock.getParent());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(lock.getParent())));
    }

    @Test
    void aPrivateRuntimeDirIsPreferredAndTheDryRunDirIsCreated0700(@TempDir Path tmp) throws Exception {
        Path xdg = Files.createDirectories(tmp.resolve("xdg"));
        Files.setPosixFilePermissions(xdg, PosixFilePermissions.fromString("rwx------"));
        Path lock = LockFiles.lockFile(root, true, Map.of("XDG_RUNTIME_DIR", xdg.toString()), NO_RUN, tmp.resolve("unused"));
        assertEquals(xdg.resolve("infometis-dry-run"), lock.getParent());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(lock.getParent())));

        Files.setPosixFilePermissions(xdg, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path fallback = LockFiles.lockFile(root, true, Map.of("XDG_RUNTIME_DIR", xdg.toString()), NO_RUN, tmp);
        assertFalse(fallback.startsWith(xdg), "a runtime dir open to others is not used: " + fallback);
    }

    private static List<Path> list(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.toList();
        }
    }
}
