package io.infometis.installer;

import java.io.IOException;
import java.nio.file.Path;

/** ENOSPC, said the way an operator acts on it: which path, and that it needs free space. */
public final class NoSpace {
    private NoSpace() {
    }

    /** True when the JDK reported ENOSPC ("No space left on device") anywhere in the cause chain. */
    public static boolean is(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException && t.getMessage() != null && t.getMessage().contains("No space left on device")) {
                return true;
            }
        }
        return false;
    }

    /** {@code writing journal /var/lib/infometis/journal.json: no space left on the device — free space in ...}. */
    public static InstallerException at(String doing, Path path, Throwable cause) {
        Path dir = path.toAbsolutePath().getParent() == null ? path : path.toAbsolutePath().getParent();
        return new InstallerException(doing + " " + path + ": no space left on the device",
                "free space in " + dir + " (df -h " + dir + ") and rerun; the install resumes", ExitCodes.NO_SPACE, cause);
    }
}
