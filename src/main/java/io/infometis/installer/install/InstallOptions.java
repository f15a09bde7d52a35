package io.infometis.installer.install;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The install's options, parsed once by the command and read by every phase.
 *
 * @param root       every host path lives under it ({@code /} on a real host)
 * @param stateDir   journal, preflight results, unpacked bundle; null for {@code <root>/var/lib/infometis}
 * @param bundle     the bundle file; null in a dry run that plans from {@code spec}
 * @param spec       the bundle spec a dry run plans from when no bundle exists
 * @param until      last phase to run, or null for all
 * @param k0sBinary  replaces the bundle's k0s (operators' own builds, or a test double)
 * @param volumesDir base of the hostPath volumes, {@code /tmp/infometis/volumes} by default (under root)
 */
public record InstallOptions(
        Path root,
        Path stateDir,
        Path bundle,
        Path spec,
        boolean dryRun,
        String until,
        Set<String> ignoredPreflight,
        Path k0sBinary,
        String volumesDir,
        Duration phaseTimeout) {

    public InstallOptions {
        ignoredPreflight = ignoredPreflight == null ? Set.of() : Set.copyOf(ignoredPreflight);
        volumesDir = volumesDir == null ? io.infometis.installer.host.HostPaths.VOLUMES_DIR : volumesDir;
    }

    /** Defaults for tests and embedders: install everything under {@code root}. */
    public static InstallOptions under(Path root) {
        return new InstallOptions(root, null, null, null, false, null, Set.of(), null, null, null);
    }

    public InstallOptions withDryRun(boolean dry) {
        return new InstallOptions(root, stateDir, bundle, spec, dry, until, ignoredPreflight, k0sBinary, volumesDir,
                phaseTimeout);
    }

    public InstallOptions withUntil(String phase) {
        return new InstallOptions(root, stateDir, bundle, spec, dryRun, phase, ignoredPreflight, k0sBinary, volumesDir,
                phaseTimeout);
    }

    public InstallOptions withBundle(Path file) {
        return new InstallOptions(root, stateDir, file, spec, dryRun, until, ignoredPreflight, k0sBinary, volumesDir,
                phaseTimeout);
    }
}
