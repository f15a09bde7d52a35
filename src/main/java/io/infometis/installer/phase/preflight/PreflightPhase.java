package io.infometis.installer.phase.preflight;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.infometis.installer.Json;
import io.infometis.installer.InstallerException;
import io.infometis.installer.phase.Phase;
import io.infometis.installer.phase.PhaseContext;

/**
 * Checks the bundle and the host before anything is touched, saves the results as JSON in the state dir, and
 * refuses with the first failing check's reason and remedy (exit 3 for an unfit host, 2 for a full disk or a taken
 * port); a corrupt bundle stops it at once (exit 2).
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
                new EarlierInstallCheck(), new CgroupsCheck(), new KernelCheck(), new SwapCheck(), new SelinuxCheck(),
                new FirewallCheck(), new OtherRuntimesCheck(), new HostnameCheck(), new TmpVolumesCheck());
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

    /** After a complete install from the same bundle there is nothing to check: the rerun does nothing. */
    @Override
    public boolean isDone(PhaseContext ctx) {
        return ctx.journal().completedEarlier(ctx.bundle() == null ? null : ctx.bundle().digest());
    }

    @Override
    public void run(PhaseContext ctx) throws Exception {
        List<CheckResult> failures = checkAll(ctx);
        if (!failures.isEmpty()) {
            CheckResult first = failures.get(0);
            throw new InstallerException("preflight " + first.name() + ": " + first.message(),
                    first.remedy() + " (or bypass with --ignore-preflight " + first.name() + ")", first.exitCode());
        }
    }

    /**
     * Preflight only reads the host, so a dry run runs the checks for real; the gate keeps the results file
     * unwritten. A dry run never refuses: it says what a real install would refuse and goes on planning.
     */
    @Override
    public void dryRun(PhaseContext ctx) throws Exception {
        for (CheckResult r : checkAll(ctx)) {
            ctx.warn("a real install would stop here: preflight " + r.name() + ": " + r.message() + " — " + r.remedy());
        }
    }

    /** Runs every check, records each as a unit and all of them in the state dir; returns the failures. */
    private List<CheckResult> checkAll(PhaseContext ctx) throws Exception {
        rejectUnknownIgnores(ctx.options().ignoredPreflight());
        List<CheckResult> results = new ArrayList<>();
        List<CheckResult> failures = new ArrayList<>();
        for (PreflightCheck check : checks) {
            ctx.unitStarted(check.name());
            CheckResult r = checkOne(check, ctx);
            if (r.status() == CheckResult.Status.FAIL && ctx.options().ignoredPreflight().contains(check.name())) {
                r = r.ignored();
            }
            results.add(r);
            switch (r.status()) {
                case FAIL -> {
                    ctx.unitFailed(check.name(), r.message());
                    failures.add(r);
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
        return failures;
    }

    /** A check that cannot read what it needs is a failed check with its reason, not a crashed phase. */
    private CheckResult checkOne(PreflightCheck check, PhaseContext ctx) {
        try {
            return check.check(ctx, facts);
        } catch (InstallerException e) {
            throw e;
        } catch (Exception e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return CheckResult.fail(check.name(), "the check could not run (" + why + ")",
                    "fix what it could not read, or bypass it with --ignore-preflight " + check.name());
        }
    }

    private void rejectUnknownIgnores(Set<String> ignored) {
        Set<String> known = new LinkedHashSet<>(checks.stream().map(PreflightCheck::name).toList());
        for (String name : ignored) {
            if (!known.contains(name)) {
                throw InstallerException.invalidInput("--ignore-preflight " + name + " names no check",
                        "use one of " + String.join(", ", known));
            }
        }
    }
}
