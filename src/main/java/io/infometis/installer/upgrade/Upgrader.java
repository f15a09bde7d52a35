package io.infometis.installer.upgrade;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.bundle.BundleExtractor;
import io.infometis.installer.bundle.BundleLimits;
import io.infometis.installer.bundle.BundleLocator;
import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.host.FileTrees;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.install.Installer;
import io.infometis.installer.install.Journal;
import io.infometis.installer.phase.PhaseRunner;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.Severity;
import io.infometis.installer.progress.State;

/**
 * One upgrade: reads the install record, verifies the new bundle in full (same trust rules as install) before
 * anything on the platform changes, computes and shows the {@link UpgradePlan}, then runs {@link UpgradePhases}
 * through the install's engine (lock, signals, progress API) with its own journal, {@code <state>/upgrade-journal.json}.
 */
public final class Upgrader {
    public static final String JOURNAL = "upgrade-journal.json";

    /** What happened; {@code alreadyInstalled} when the bundle is the one installed. */
    public record Result(PhaseRunner.Outcome outcome, UpgradePlan plan, boolean alreadyInstalled) {
    }

    private final InstallOptions options;
    private final Progress progress;
    private final Duration componentTimeout;

    public Upgrader(InstallOptions options, Progress progress, Duration componentTimeout) {
        this.options = options;
        this.progress = progress;
        this.componentTimeout = componentTimeout;
    }

    /**
     * Called once the command is accepted (an install record, and for an upgrade a verified bundle): the command
     * announces its progress API then, so a refused command leaves the state dir as it was.
     */
    @FunctionalInterface
    public interface Accepted {
        void now() throws java.io.IOException;
    }

    /** Runs the upgrade under install's trust rules ({@link TrustPolicy}); null trusts no key (tests). */
    public Result run(io.infometis.installer.bundle.TrustPolicy trust) throws Exception {
        return run(trust, () -> {
        });
    }

    public Result run(io.infometis.installer.bundle.TrustPolicy trust, Accepted accepted) throws Exception {
        Installer installer = new Installer(options, progress);
        InstalledState state = new InstalledState(installer.paths().stateDir(), installer.gate());
        InstalledRecord record = state.read().orElseThrow(() -> InstallerException.invalidInput(
                "nothing to upgrade: no install record in " + state.recordFile(),
                "install first with 'infometis install' (installs by an installer older than the record have none)"));
        if (options.bundle() == null) {
            throw InstallerException.invalidInput("upgrade needs the new bundle", "pass --bundle FILE");
        }
        InstallBundle bundle = trust == null
                ? BundleLocator.resolve(options, installer.paths(), installer.gate(), (PublicKey) null)
                : BundleLocator.resolve(options, installer.paths(), installer.gate(), trust);
        PublicKey key = bundle.trust() == null ? null : bundle.trust().verifierKey();
        progress.event(Severity.INFO, null, "verifying " + options.bundle() + " before anything changes");
        bundle.verify();
        accepted.now();
        if (record.current().sameBundle(bundle.digest())) {
            return new Result(new PhaseRunner.Outcome(State.SUCCEEDED, null, ExitCodes.DONE, true), null, true);
        }
        Path newDir = options.dryRun() ? scratch(key) : bundle.directory();
        try {
            UpgradePlan plan = UpgradePlan.compute(record, state.keptBundle(record.current().digest()),
                    bundle.manifest(), bundle.digest(), newDir);
            plan.lines().forEach(l -> progress.event(Severity.INFO, null, "plan: " + l));
            Path journal = installer.paths().stateDir().resolve(JOURNAL);
            startFresh(installer, journal, bundle.digest());
            PhaseRunner.Outcome outcome = installer.run(UpgradePhases.phases(options, plan, state, componentTimeout),
                    bundle, journal);
            return new Result(outcome, plan, false);
        } finally {
            if (options.dryRun()) {
                FileTrees.delete(newDir.getParent());
            }
        }
    }

    /** A dry run changes nothing under the root: the bundle is unpacked (and verified) into a temp dir instead. */
    private Path scratch(PublicKey key) throws Exception {
        Path tmp = Files.createTempDirectory("infometis-upgrade-plan-");
        Path dir = tmp.resolve("bundle");
        try {
            BundleExtractor.extract(options.bundle(), dir, BundleLimits.DEFAULT, key);
        } catch (Exception e) {
            FileTrees.delete(tmp);
            throw e;
        }
        return dir;
    }

    /**
     * The upgrade journal belongs to one target bundle: a journal of an upgrade to another bundle (finished, or
     * abandoned for this one) is removed, so its units are not taken as done for this upgrade.
     */
    private static void startFresh(Installer installer, Path journal, String digest) throws java.io.IOException {
        if (Files.exists(journal) && !java.util.Objects.equals(Journal.open(journal, true).bundleDigest(), digest)) {
            installer.gate().delete(journal);
        }
    }
}
