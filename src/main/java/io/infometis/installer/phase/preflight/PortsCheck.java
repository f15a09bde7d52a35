package io.infometis.installer.phase.preflight;

import java.util.ArrayList;
import java.util.List;

import io.infometis.installer.phase.PhaseContext;
import io.infometis.installer.progress.State;

/**
 * The ports k0s and the stack's ingress bind must be free, unless our own k0s (from an earlier run of this
 * install) is what holds them.
 */
public final class PortsCheck implements PreflightCheck {
    /** kube-apiserver, konnectivity, k0s join API, kubelet, etcd peer; Traefik (host network): web, Flink UI, ping/metrics. */
    static final int[] PORTS = { 6443, 8132, 9443, 10250, 2380, 80, 8083, 9000 };

    /**
     * True when the install itself needs {@code port}: the progress API, which runs through the whole install, must
     * not hold one (with {@code --api-port 80} Traefik could never bind its web port), so the flag is refused.
     */
    public static boolean isNeeded(int port) {
        for (int p : PORTS) {
            if (p == port) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String name() {
        return "ports";
    }

    @Override
    public CheckResult check(PhaseContext ctx, HostFacts facts) {
        if (ctx.journal().phaseState("k0s") == State.SUCCEEDED || ctx.journal().phaseState("k0s") == State.SKIPPED) {
            return CheckResult.pass(name(), "k0s from an earlier run of this install holds its ports");
        }
        List<String> taken = new ArrayList<>();
        for (int p : PORTS) {
            if (!facts.portFree(p)) {
                taken.add(Integer.toString(p));
            }
        }
        return taken.isEmpty() ? CheckResult.pass(name(), "ports free")
                : CheckResult.failAsBadInput(name(), "ports in use: " + String.join(", ", taken),
                        "stop what listens there (see 'ss -ltnp'), then rerun");
    }
}
