package io.infometis.installer.phase.preflight;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import io.infometis.installer.phase.PhaseContext;

/**
 * SELinux enforcing. k0s runs under SELinux only when the host has the container-selinux policy, k0s's files carry
 * the right labels, and containerd is told {@code enable_selinux = true} (docs.k0sproject.io, "SELinux Overview").
 * The installer sets none of that up, so an enforcing host would deny containerd and kubelet at run time.
 */
public final class SelinuxCheck implements PreflightCheck {
    static final Path ENFORCE = Path.of("/sys/fs/selinux/enforce");

    @Override
    public String name() {
        return "selinux";
    }

    @Override
    public CheckResult check(PhaseContext ctx, HostFacts facts) throws Exception {
        String mode;
        try {
            mode = facts.read(ENFORCE).trim();
        } catch (NoSuchFileException e) {
            return CheckResult.pass(name(), "SELinux is not enabled");
        }
        if (mode.equals("1")) {
            return CheckResult.hostFail(ctx, name(), "SELinux is enforcing, and this install does not set k0s up for it",
                    "make it permissive: 'setenforce 0' and SELINUX=permissive in /etc/selinux/config; or set k0s up for "
                            + "SELinux yourself (container-selinux, file labels, containerd enable_selinux: "
                            + "docs.k0sproject.io/stable/selinux) and bypass with --ignore-preflight selinux");
        }
        return CheckResult.pass(name(), "SELinux is permissive (denials are logged, not enforced)");
    }
}
