package io.infometis.installer.phase.preflight;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.infometis.installer.phase.PhaseContext;

/**
 * kubelet and containerd need the cgroup hierarchy. v2 (a cgroup2 filesystem on /sys/fs/cgroup) is what current
 * Kubernetes expects; v1 still runs with Kubernetes 1.33 but is in maintenance mode and refused by kubelet from
 * 1.35, so it warns now. Read from the real host's mount table (the ISO's init mounts cgroup2 there).
 */
public final class CgroupsCheck implements PreflightCheck {
    static final Path MOUNTS = Path.of("/proc/mounts");
    static final Path CONTROLLERS = Path.of("/sys/fs/cgroup/cgroup.controllers");
    /** What kubelet's container manager needs from the root cgroup on v2. */
    static final List<String> REQUIRED_CONTROLLERS = List.of("cpu", "cpuset", "memory", "pids");

    @Override
    public String name() {
        return "cgroups";
    }

    @Override
    public CheckResult check(PhaseContext ctx, HostFacts facts) throws Exception {
        String atCgroupRoot = null;
        boolean v1 = false;
        for (String line : facts.read(MOUNTS).lines().toList()) {
            String[] f = line.split(" ");
            if (f.length < 3) {
                continue;
            }
            if (f[1].equals("/sys/fs/cgroup")) {
                atCgroupRoot = f[2];
            } else if (f[2].equals("cgroup") && f[1].startsWith("/sys/fs/cgroup/")) {
                v1 = true;
            }
        }
        if ("cgroup2".equals(atCgroupRoot)) {
            return v2(ctx, facts);
        }
        if (v1) {
            return CheckResult.warn(name(), "cgroup v1 (" + (atCgroupRoot == null ? "" : atCgroupRoot + " on /sys/fs/cgroup, ")
                    + "v1 controllers below it): Kubernetes 1.33 still runs on it, but kubelet refuses cgroup v1 from 1.35",
                    "boot with the unified hierarchy (systemd.unified_cgroup_hierarchy=1 on the kernel command line, the "
                            + "default on Debian 11+, Ubuntu 21.10+, RHEL 9) before the next Kubernetes upgrade");
        }
        return CheckResult.hostFail(ctx, name(), "no cgroup hierarchy is mounted on /sys/fs/cgroup",
                "mount it ('mount -t cgroup2 cgroup2 /sys/fs/cgroup', or boot with systemd), then rerun");
    }

    private CheckResult v2(PhaseContext ctx, HostFacts facts) throws Exception {
        Set<String> have;
        try {
            have = Set.of(facts.read(CONTROLLERS).trim().split("\\s+"));
        } catch (NoSuchFileException e) {
            have = Set.of();
        }
        List<String> missing = new ArrayList<>();
        for (String c : REQUIRED_CONTROLLERS) {
            if (!have.contains(c)) {
                missing.add(c);
            }
        }
        if (!missing.isEmpty()) {
            return CheckResult.hostFail(ctx, name(), "cgroup v2 lacks the " + String.join(", ", missing)
                    + " controller" + (missing.size() > 1 ? "s" : "") + " kubelet needs (" + CONTROLLERS + ")",
                    "remove cgroup_disable=... from the kernel command line, or use a kernel built with them");
        }
        return CheckResult.pass(name(), "cgroup v2 with " + String.join(", ", REQUIRED_CONTROLLERS));
    }
}
