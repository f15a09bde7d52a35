package io.infometis.installer.phase.preflight;

import java.nio.file.Files;
import java.nio.file.Path;

import io.infometis.installer.bundle.BundleLimits;
import io.infometis.installer.bundle.HostAccessReport;
import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.bundle.TrustPolicy;
import io.infometis.installer.phase.PhaseContext;

/**
 * Reads the whole bundle, read-only, before anything changes: checksums, aggregate, signature and the OCI
 * layout. A defect is not a host problem that {@code --ignore-preflight} could bypass: it is thrown as a
 * {@link io.infometis.installer.bundle.BundleDefect}, so the install stops with exit 2 (invalid input).
 *
 * <p>It also records what the trust policy decided (a bundle accepted without a verified signature is a
 * warning, kept in preflight.json and the journal) and what the manifests ask of the host; a dry run lists those
 * asks as plan lines.
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
            HostAccessReport asks = specAsks(ctx);
            if (asks != null) {
                showAsks(ctx, asks);
            }
            return CheckResult.pass(name(), "no bundle file: a dry run plans from the bundle spec"
                    + (asks == null ? "" : "; the manifests ask the host for: " + asks.summary()));
        }
        bundle.verify();
        String asks = "";
        if (bundle.file() != null) {
            HostAccessReport report = HostAccessReport.ofBundleFile(bundle.file(), BundleLimits.DEFAULT);
            showAsks(ctx, report);
            asks = "; the manifests ask the host for: " + report.summary();
        }
        String verified = bundle.manifest().name() + " " + bundle.manifest().version() + " (" + bundle.digest()
                + ") verified: " + bundle.manifest().images().size() + " images";
        TrustPolicy.Verdict trust = bundle.trust();
        if (trust != null && !trust.verified()) {
            return CheckResult.warn(name(), verified + "; signature: " + trust.message() + asks,
                    "install only bundles signed with the trusted key ('infometis bundle build --signing-key')");
        }
        return CheckResult.pass(name(), verified + (trust == null ? "" : "; " + trust.message()) + asks);
    }

    /** In a dry run, one plan line per object that asks for something; a real run keeps the summary only. */
    private static void showAsks(PhaseContext ctx, HostAccessReport report) {
        if (ctx.options().dryRun()) {
            report.lines().forEach(l -> ctx.plan("host access: " + l));
        }
    }

    /** The manifests beside the bundle spec a dry run plans from, if there are any. */
    private static HostAccessReport specAsks(PhaseContext ctx) {
        Path spec = ctx.options().spec();
        Path dir = spec == null ? null : spec.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir.resolve("manifests"))) {
            return null;
        }
        return HostAccessReport.ofDirectory(dir);
    }
}
