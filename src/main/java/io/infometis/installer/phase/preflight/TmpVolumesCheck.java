package io.infometis.installer.phase.preflight;

import java.io.IOException;
import java.nio.file.Path;

import io.infometis.installer.phase.PhaseContext;

/**
 * Warns (never refuses) when the volumes live under /tmp: on a tmpfs they vanish at reboot, and anywhere they
 * depend on the tmpfiles.d rule the volumes phase installs. docs/volumes.md says what that means for the data.
 */
public final class TmpVolumesCheck implements PreflightCheck {
    @Override
    public String name() {
        return "tmp-volumes";
    }

    @Override
    public CheckResult check(PhaseContext ctx, HostFacts facts) {
        String dir = ctx.options().volumesDir();
        if (!dir.equals("/tmp") && !dir.startsWith("/tmp/") && !dir.startsWith("/var/tmp/")) {
            return CheckResult.pass(name(), "volumes in " + dir);
        }
        String fs = filesystemOf(facts, dir);
        if ("tmpfs".equals(fs)) {
            return CheckResult.warn(name(), "volumes in " + dir + " are on a tmpfs: all Kafka, Elasticsearch, Prometheus,"
                    + " Grafana and NiFi data is lost at every reboot and counts against RAM",
                    "for data that must survive a reboot, use --volumes-dir on a disk (see docs/volumes.md)");
        }
        return CheckResult.warn(name(), "volumes in " + dir + " (" + (fs == null ? "unknown filesystem" : fs)
                + "): kept by a tmpfiles.d rule, but anything that wipes /tmp (a reboot with tmp.mount, an operator) wipes the data",
                "use --volumes-dir on a dedicated disk for production (see docs/volumes.md)");
    }

    /** The filesystem type of the longest mount point in /proc/mounts that contains {@code dir}. */
    static String filesystemOf(HostFacts facts, String dir) {
        try {
            String best = null;
            int bestLen = -1;
            for (String line : facts.read(Path.of("/proc/mounts")).lines().toList()) {
                String[] f = line.split(" ");
                if (f.length < 3) {
                    continue;
                }
                String mount = f[1];
                boolean contains = dir.equals(mount) || dir.startsWith(mount.endsWith("/") ? mount : mount + "/");
                if (contains && mount.length() > bestLen) {
                    best = f[2];
                    bestLen = mount.length();
                }
            }
            return best;
        } catch (IOException e) {
            return null;
        }
    }
}
