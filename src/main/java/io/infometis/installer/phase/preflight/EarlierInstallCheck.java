package io.infometis.installer.phase.preflight;

import io.infometis.installer.phase.PhaseContext;
import io.infometis.installer.progress.State;

/**
 * An earlier install: ours (a journal) is resumed; a k0s set up by someone else is refused, because
 * installing over it would take over or break that cluster.
 */
public final class EarlierInstallCheck implements PreflightCheck {
    @Override
    public String name() {
        return "earlier-install";
    }

    @Override
    public CheckResult check(PhaseContext ctx, HostFacts facts) {
        boolean k0sConfig = facts.exists(ctx.paths().k0sConfig());
        if (ctx.journal().hasEarlierRun()) {
            State s = ctx.journal().earlierState();
            String what = s == State.SUCCEEDED ? "an earlier install finished; checking it is still complete"
                    : "resuming the earlier install (last state: " + s.label() + ")";
            return CheckResult.pass(name(), what);
        }
        if (k0sConfig) {
            return CheckResult.fail(name(), "k0s is already configured here (" + ctx.paths().k0sConfig()
                    + ") by something other than this installer", "run 'k0s reset' (or 'infometis uninstall') first");
        }
        return CheckResult.pass(name(), "no earlier install");
    }
}
