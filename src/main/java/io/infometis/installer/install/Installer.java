package io.infometis.installer.install;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.phase.Phase;
import io.infometis.installer.phase.PhaseContext;
import io.infometis.installer.phase.PhaseRunner;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.Severity;

/**
 * One install run: opens the journal, wires the context, runs the phases and handles SIGINT/SIGTERM.
 * Plain Java with no CDI, so engine tests drive it with phases of their own.
 */
public final class Installer {
    /** How long the signal hook waits for the runner to write the journal; longer than {@link PhaseRunner#CANCEL_GRACE}. */
    static final java.time.Duration SIGNAL_HOOK_WAIT = java.time.Duration.ofSeconds(10);

    private final InstallOptions options;
    private final Progress progress;
    private final HostPaths paths;
    private final HostGate gate;
    private volatile PhaseContext current;

    public Installer(InstallOptions options, Progress progress) {
        this.options = options;
        this.progress = progress;
        this.paths = new HostPaths(options.root(), options.stateDir(), options.volumesDir());
        // In a dry run every gated mutation becomes a "plan:" line of the phase that asked for it.
        this.gate = new HostGate(options.dryRun(), action -> {
            PhaseContext ctx = current;
            if (ctx != null) {
                ctx.plan(action);
            } else {
                progress.event(Severity.INFO, null, "plan: " + action);
            }
        });
    }

    /** Every host path of this install, under {@code --root}. */
    public HostPaths paths() {
        return paths;
    }

    /** The one dry-run gate of this install; code that runs before the phases (e.g. unpacking the bundle) uses it too. */
    public HostGate gate() {
        return gate;
    }

    public PhaseRunner.Outcome run(List<Phase> phases, InstallBundle bundle) {
        return run(phases, bundle, paths.journalFile());
    }

    /** The same engine with another journal file: {@code upgrade} and {@code rollback} keep their own (docs/upgrade.md). */
    public PhaseRunner.Outcome run(List<Phase> phases, InstallBundle bundle, java.nio.file.Path journalFile) {
        PhaseRunner runner = new PhaseRunner(phases);
        runner.selected(options.until()); // an unknown --until fails before anything is opened
        Journal journal = Journal.open(journalFile, options.dryRun());
        PhaseContext ctx = new PhaseContext(options, paths, gate, journal, progress, bundle);
        current = ctx;
        CountDownLatch finished = new CountDownLatch(1);
        // The JVM exits once its shutdown hooks return, so the hook waits (bounded, longer than the runner's
        // cancel grace) for the runner to mark the phase Interrupted and write the journal.
        Thread onSignal = new Thread(() -> {
            progress.event(Severity.WARN, null, "signal received: stopping after the current step");
            runner.cancel();
            try {
                if (finished.await(SIGNAL_HOOK_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    // The journal is consistent: exit with the documented code for an interrupted install, the
                    // same for SIGINT and SIGTERM (the JVM's own status would be 130 or 143).
                    System.out.flush();
                    System.err.flush();
                    Runtime.getRuntime().halt(ExitCodes.INTERRUPTED);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "install-signal");
        Runtime.getRuntime().addShutdownHook(onSignal);
        try {
            return runner.run(ctx);
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(onSignal);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is already exiting because of a signal; the hook has run.
            }
        }
    }
}
