package io.infometis.installer.phase.preflight;

import java.nio.file.Path;

import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.phase.PhaseContext;

/**
 * Free disk: the state dir needs twice the bundle's unpacked size (Embedded Cluster's airgap rule: the bundle
 * and its import), and the volumes their planned sizes.
 */
public final class DiskCheck implements PreflightCheck {
    @Override
    public String name() {
        return "disk";
    }

    @Override
    public CheckResult check(PhaseContext ctx, HostFacts facts) throws Exception {
        BundleManifest m = ctx.bundle() == null ? null : ctx.bundle().manifest();
        long bundleBytes = m == null ? 0 : m.images().stream().mapToLong(BundleManifest.Image::size).sum();
        long volumeBytes = m == null ? 0 : m.volumes().stream().mapToLong(BundleManifest.Volume::sizeBytes).sum();
        long needed = 2 * bundleBytes + volumeBytes;
        Path where = ctx.paths().stateDir();
        long free = facts.freeBytes(where);
        String have = gib(free) + " free at " + where;
        if (m == null || bundleBytes == 0 && ctx.bundle().hasFiles()) {
            return CheckResult.pass(name(), have + "; no bundle sizes to check against yet");
        }
        if (free < needed) {
            return CheckResult.failAsBadInput(name(), have + ", need " + gib(needed) + " (2 × " + gib(bundleBytes)
                    + " bundle + " + gib(volumeBytes) + " volumes)",
                    "free space there, or point --state-dir and --volumes-dir at a larger disk");
        }
        return CheckResult.pass(name(), have + ", need " + gib(needed));
    }

    static String gib(long bytes) {
        return String.format("%.1f GiB", bytes / (double) (1L << 30));
    }
}
