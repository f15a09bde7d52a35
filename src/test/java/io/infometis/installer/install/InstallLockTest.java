package io.infometis.installer.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;

class InstallLockTest {
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
}
