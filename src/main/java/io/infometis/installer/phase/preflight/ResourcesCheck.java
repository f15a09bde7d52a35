package io.infometis.installer.phase.preflight;

import io.infometis.installer.phase.PhaseContext;

/** CPUs and memory: k0s needs 1 CPU and 1 GB; the stack's requests need far more. */
public final class ResourcesCheck implements PreflightCheck {
    static final int MIN_CPUS = 2;
    static final long MIN_MEMORY = 8L << 30;
    static final int RECOMMENDED_CPUS = 8;
    static final long RECOMMENDED_MEMORY = 32L << 30;

    @Override
    public String name() {
        return "resources";
    }

    @Override
    public CheckResult check(PhaseContext ctx, HostFacts facts) {
        int cpus = facts.cpus();
        long mem = facts.memoryBytes();
        String have = cpus + " CPUs, " + (mem >> 20) + " MiB memory";
        if (cpus < MIN_CPUS || mem < MIN_MEMORY) {
            return CheckResult.fail(name(), have + "; the minimum is " + MIN_CPUS + " CPUs and " + (MIN_MEMORY >> 30) + " GiB",
                    "use a larger server");
        }
        if (cpus < RECOMMENDED_CPUS || mem < RECOMMENDED_MEMORY) {
            return CheckResult.warn(name(), have + "; " + RECOMMENDED_CPUS + " CPUs and " + (RECOMMENDED_MEMORY >> 30)
                    + " GiB are recommended for the whole stack", "expect some pods to stay Pending on a small server");
        }
        return CheckResult.pass(name(), have);
    }
}
