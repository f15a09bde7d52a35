package io.infometis.installer.phase;

import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.install.Journal;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.Severity;
import io.infometis.installer.progress.State;

/**
 * What a phase works with: the options, host paths, the dry-run gate, the journal, progress and the bundle.
 * The runner points it at the current phase, so unit helpers need no phase name.
 */
public final class PhaseContext {
    private final InstallOptions options;
    private final HostPaths paths;
    private final HostGate host;
    private final Journal journal;
    private final Progress progress;
    private final InstallBundle bundle;
    private volatile boolean cancelled;
    private volatile String phase;

    public PhaseContext(InstallOptions options, HostPaths paths, HostGate host, Journal journal, Progress progress,
            InstallBundle bundle) {
        this.options = options;
        this.paths = paths;
        this.host = host;
        this.journal = journal;
        this.progress = progress;
        this.bundle = bundle;
    }

    public InstallOptions options() {
        return options;
    }

    public HostPaths paths() {
        return paths;
    }

    public HostGate host() {
        return host;
    }

    public Journal journal() {
        return journal;
    }

    public Progress progress() {
        return progress;
    }

    /** The bundle being installed; in a dry run without a bundle, the plan read from the bundle spec. */
    public InstallBundle bundle() {
        return bundle;
    }

    public boolean isDryRun() {
        return host.isDryRun();
    }

    public String phase() {
        return phase;
    }

    void enterPhase(String name) {
        this.phase = name;
    }

    void cancel() {
        cancelled = true;
    }

    /** Called at unit boundaries: stops the phase cleanly after SIGINT/SIGTERM. */
    public void checkCancelled() {
        if (cancelled || Thread.currentThread().isInterrupted()) {
            throw new InstallerException("install interrupted", "rerun the same command to resume", ExitCodes.INTERRUPTED);
        }
    }

    public void step(String message) {
        progress.step(phase, message);
    }

    public void warn(String message) {
        progress.event(Severity.WARN, phase, message);
    }

    /** A dry-run line: what would be done. */
    public void plan(String message) {
        progress.event(Severity.INFO, phase, "plan: " + message);
    }

    /**
     * True when the journal records this unit of the current phase as done (Succeeded or Skipped), e.g. by a run
     * that was killed later: a resuming phase skips it with {@link #unitSkipped}.
     */
    public boolean isUnitDone(String unit) {
        Journal.UnitRecord u = journal.unit(phase, unit);
        return u != null && u.state().isDone();
    }

    public void unitStarted(String unit) {
        checkCancelled();
        progress.unitStarted(phase, unit);
    }

    /** Records a finished unit in the journal first, then in the progress model. */
    public void unitDone(String unit, String detail) {
        journal.unit(phase, unit, State.SUCCEEDED, detail);
        progress.unitFinished(phase, unit, State.SUCCEEDED, detail);
    }

    public void unitSkipped(String unit, String why) {
        journal.unit(phase, unit, State.SKIPPED, why);
        progress.unitFinished(phase, unit, State.SKIPPED, why);
    }

    public void unitFailed(String unit, String why) {
        journal.unit(phase, unit, State.FAILED, why);
        progress.unitFinished(phase, unit, State.FAILED, why);
    }
}
