package io.infometis.installer.cli;

import java.nio.file.Path;

/** Lets tests in other packages use {@link BadInputTest}'s full-disk helper. */
public final class BadInputTestAccess {
    private BadInputTestAccess() {
    }

    public static Path fullDisk(Path dir) throws Exception {
        return BadInputTest.fullDisk(dir);
    }

    public static void unmount(Path dir) throws Exception {
        BadInputTest.unmount(dir);
    }
}
