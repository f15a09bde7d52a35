package io.infometis.installer.phase.preflight;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.infometis.installer.Json;
import io.infometis.installer.cli.ExitCodes;
import io.infometis.installer.cli.InstallerException;
import io.infometis.installer.phase.Phase;
import io.infometis.installer.phase.PhaseContext;

/**
 * Checks the bundle and the host before anything is touched, saves the results as JSON in the state dir, and
 * refuses (exit 3) with the first failing check's reason and remedy; a corrupt bundle stops it at once (exit 2).
 * {@code --ignore-preflight NAME} bypasses one host check and the bypass is recorded.
 */
public final class PreflightPhase implements Phase {
    private final List<PreflightCheck> checks;
    private final HostFacts facts;

    public PreflightPhase(List<PreflightCheck> checks, HostFacts facts) {
        this.checks = List.copyOf(checks);
        this.facts = facts;
    }

    public static List<PreflightCheck> standardChecks() {
        return List.of(new BundleCheck(), new RootCheck(), new ArchitectureCheck(), new ResourcesCheck(), new DiskCheck(), new PortsCheck(),
                new EarlierInstallCheck(), new KernelCheck(), new TmpVolumesCheck());
    }

    @Override
    public String name() {
        return "preflight";
    }

    @Override
    public String title() {
        return "Check the host before changing it";
    }

    @Override
    public List<String> units(PhaseContext ctx) {
        return checks.stream().map(PreflightCheck::name).toList();
    }

    @Override
    public void run(PhaseContext ctx) throws Exception {
        List<CheckResult> results = new ArrayList<>();
        CheckResult firstFailure = null;
        for (PreflightCheck check : checks) {
            ctx.unitStarted(check.name());
            CheckResult r = check.check(ctx, facts);
            if (r.status() == CheckResult.Status.FAIL && ctx.options().ignoredPreflight().contains(check.name())) {
                r = r.ignored();
            }
            results.add(r);
            switch (r.status()) {
                case FAIL -> {
                    ctx.unitFailed(check.name(), r.message());
                    if (firstFailure == null) {
                        firstFailure = r;
                    }
                }
                case WARN, IGNORED -> {
                    ctx.warn(check.name() + ": " + r.message() + (r.remedy() == null ? "" : " — " + r.remedy()));
                    ctx.unitDone(check.name(), r.status().label() + ": " + r.message());
                }
                default -> ctx.unitDone(check.name(), r.message());
            }
        }
        byte[] json = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(results)
                .getBytes(StandardCharsets.UTF_8);
        ctx.host().writeAtomically(ctx.paths().preflightResults(), json, "0644");
        if (firstFailure != null) {
            throw new InstallerException("preflight " + firstFailure.name() + ": " + firstFailure.message(),
                    firstFailure.remedy() + " (or bypass with --ignore-preflight " + firstFailure.name() + ")",
                    ExitCodes.PREFLIGHT_REFUSED);
        }
    }

    /** Preflight only reads the host, so a dry run runs it for real; the gate keeps the results file unwritten. */
    @Override
    public void dryRun(PhaseContext ctx) throws Exception {
        run(ctx);
    }
}
