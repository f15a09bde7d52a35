package io.infometis.installer.phase.preflight;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.infometis.installer.phase.PhaseContext;

/**
 * Swap on. kubelet refuses to start with swap unless {@code failSwapOn: false}; k0s's default worker profile sets
 * exactly that (pkg/component/controller/workerconfig/reconciler.go), so the node comes up. With Kubernetes'
 * default swap behaviour (NoSwap) pods never swap, but k0s, etcd and the API server can, which stalls the control
 * plane under memory pressure and hides real memory use from eviction. So it warns; it does not refuse.
 */
public final class SwapCheck implements PreflightCheck {
    static final Path SWAPS = Path.of("/proc/swaps");

    @Override
    public String name() {
        return "swap";
    }

    @Override
    public CheckResult check(PhaseContext ctx, HostFacts facts) throws Exception {
        List<String> active = new ArrayList<>();
        long kib = 0;
        for (String line : facts.read(SWAPS).lines().skip(1).toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && !f[0].isEmpty()) {
                active.add(f[0]);
                kib += parse(f[2]);
            }
        }
        if (active.isEmpty()) {
            return CheckResult.pass(name(), "no swap");
        }
        return CheckResult.warn(name(), "swap is on (" + String.join(", ", active) + ", " + (kib >> 10) + " MiB): k0s "
                + "starts kubelet with failSwapOn: false, pods do not swap, but k0s, etcd and the API server can",
                "turn it off now and for good: 'swapoff -a', then comment out the swap lines in /etc/fstab "
                        + "(and 'systemctl mask swap.target' where zram or a swap unit turns it back on)");
    }

    private static long parse(String kib) {
        try {
            return Long.parseLong(kib);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
