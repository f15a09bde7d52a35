package io.infometis.installer.phase.preflight;

import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.phase.PhaseContext;

/**
 * Reads the whole bundle, read-only, before anything changes: checksums, aggregate, signature and the OCI
 * layout. A defect is not a host problem that {@code --ignore-preflight} could bypass: it is thrown as a
 * {@link io.infometis.installer.bundle.BundleDefect}, so the install stops with exit 2 (invalid input).
 */
public final class BundleCheck implements PreflightCheck {
    @Override
    public String name() {
        return "bundle";
    }

    @Override
    public CheckResult check(PhaseContext ctx, HostFacts facts) throws Exception {
        InstallBundle bundle = ctx.bundle();
        if (bundle == null || !bundle.hasFiles()) {
            return CheckResult.pass(name(), "no bundle file: a dry run plans from the bundle spec");
        }
        bundle.verify();
        return CheckResult.pass(name(), bundle.manifest().name() + " " + bundle.manifest().version() + " ("
                + bundle.digest() + ") verified: " + bundle.manifest().images().size() + " images");
    }
}
