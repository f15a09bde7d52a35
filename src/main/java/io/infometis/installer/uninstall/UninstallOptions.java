package io.infometis.installer.uninstall;

import java.nio.file.Path;
import java.time.Duration;

/**
 * @param volumesDir  where the install put the volumes (host path, under root)
 * @param purgeData   also delete the volumes' data; without it the data and its tmpfiles.d rule stay
 * @param busyRetries how often a busy mount is retried before it is unmounted lazily
 */
public record UninstallOptions(Path root, Path stateDir, String volumesDir, boolean purgeData, boolean dryRun,
        int busyRetries, Duration busyWait) {
}
