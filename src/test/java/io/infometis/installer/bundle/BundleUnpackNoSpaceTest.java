package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.testing.TestBundles;

/** ENOSPC while unpacking the bundle: one line that names the target and says to free space (a real full tmpfs). */
class BundleUnpackNoSpaceTest {
    @TempDir
    Path tmp;

    @Test
    void aFullDiskWhileUnpackingNamesTheTargetAndFreeSpace() throws Exception {
        Path bundle = TestBundles.tiny(tmp.resolve("b"));
        Path state = io.infometis.installer.cli.BadInputTestAccess.fullDisk(tmp.resolve("state"));
        try {
            BundleFile file = new BundleFile(bundle, state, new HostGate(false, null));
            InstallerException e = assertThrows(InstallerException.class, file::directory);
            assertEquals(ExitCodes.NO_SPACE, e.exitCode());
            assertTrue(e.oneLine().startsWith("unpacking the bundle into " + state.resolve("bundle") + ": no space left on the device"),
                    e.oneLine());
            assertTrue(e.oneLine().contains("free space in " + state), e.oneLine());
            assertEquals(1, e.oneLine().lines().count());
        } finally {
            io.infometis.installer.cli.BadInputTestAccess.unmount(state);
        }
    }
}
