package io.infometis.installer.install;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.phase.Phase;
import io.infometis.installer.phase.PhaseContext;
import io.infometis.installer.phase.PhaseRunner;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.Severity;

/**
 * One install run: opens the journal, wires the context, runs the phases and handles SIGINT/SIGTERM.
 * Plain Java, so engine tests drive it with tiny fake phases and no CDI.
 */
public final class Installer {
    private final InstallOptions options;
    private final Progress progress;

    public Installer(InstallOptions options, Progress progress) {
        this.options = options;
        this.progress = progress;
    }

    public PhaseRunner.Outcome run(List<Phase> phases, InstallBundle bundle) {
        HostPaths paths = new HostPaths(options.root(), options.stateDir(), options.volumesDir());
        PhaseRunner runner = new PhaseRunner(phases);
        runner.selected(options.until()); // an unknown --until fails before anything is opened
        PhaseContext[] current = new PhaseContext[1];
        // In a dry run every gated mutation becomes a "plan:" line of the phase that asked for it.
        HostGate gate = new HostGate(options.dryRun(), action -> current[0].plan(action));
        Journal journal = Journal.open(paths.journalFile(), options.dryRun());
        PhaseContext ctx = new PhaseContext(options, paths, gate, journal, progress, bundle);
        current[0] = ctx;
        CountDownLatch finished = new CountDownLatch(1);
        // The JVM exits once its shutdown hooks return, so the hook waits (bounded, longer than the runner's
        // cancel grace) for the runner to mark the phase Interrupted and write the journal.
        Thread onSignal = new Thread(() -> {
            progress.event(Severity.WARN, null, "signal received: stopping after the current step");
            runner.cancel();
            try {
                finished.await(10, TimeUnit.SECONDS);
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
