package io.infometis.installer.phase.preflight;

import java.nio.file.Path;

import io.infometis.installer.phase.PhaseContext;

/** kubelet needs readable cgroups and containerd's default snapshotter needs overlayfs. */
public final class KernelCheck implements PreflightCheck {
    @Override
    public String name() {
        return "kernel";
    }

    @Override
    public CheckResult check(PhaseContext ctx, HostFacts facts) throws Exception {
        if (!facts.exists(Path.of("/proc/cgroups")) || !facts.exists(Path.of("/sys/fs/cgroup"))) {
            return CheckResult.fail(name(), "cgroups are not readable (/proc/cgroups, /sys/fs/cgroup)",
                    "boot a kernel with cgroups enabled and /sys/fs/cgroup mounted");
        }
        boolean overlay = facts.exists(Path.of("/sys/module/overlay"))
                || facts.read(Path.of("/proc/filesystems")).contains("overlay");
        if (!overlay) {
            return CheckResult.fail(name(), "the overlay filesystem is not available", "run 'modprobe overlay'");
        }
        return CheckResult.pass(name(), "cgroups readable, overlay available");
    }
}
