package io.infometis.installer.install;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.infometis.installer.bundle.Digests;
import io.infometis.installer.host.HostPaths;

/** Where the install lock lives: in the root's /run for a real install; outside the root for a dry run. */
public final class LockFiles {
    private LockFiles() {
    }

    /**
     * The lock of the install under {@code root}. A dry run writes nothing under the root, so its lock lives in the
     * temp dir, keyed by the root's path: two dry runs on one root still exclude each other (a dry run and a
     * real install on one root do not: the dry run changes nothing).
     */
    public static Path lockFile(Path root, boolean dryRun) {
        Path abs = root.toAbsolutePath().normalize();
        if (!dryRun) {
            return HostPaths.of(abs).lockFile();
        }
        String key = Digests.sha256(abs.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        return Path.of(System.getProperty("java.io.tmpdir"), "infometis-dry-run-" + key + ".lock");
    }
}
