package io.infometis.installer.phase.preflight;

import io.infometis.installer.phase.PhaseContext;

/** k0s installs a service and writes /etc and /usr/local/bin: root is needed, except in a {@code --root} sandbox. */
public final class RootCheck implements PreflightCheck {
    @Override
    public String name() {
        return "root";
    }

    @Override
    public CheckResult check(PhaseContext ctx, HostFacts facts) {
        if (!ctx.paths().isHostRoot()) {
            return CheckResult.pass(name(), "not required under --root " + ctx.paths().root());
        }
        return facts.uid() == 0 ? CheckResult.pass(name(), "running as root")
                : CheckResult.fail(name(), "running as uid " + facts.uid() + ", not root", "run with sudo, or as root");
    }
}
