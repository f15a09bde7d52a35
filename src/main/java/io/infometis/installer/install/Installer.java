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
        HostPaths paths = new HostPaths(options.root(), options.stateDir());
        HostGate gate = new HostGate(options.dryRun(), null);
        Journal journal = Journal.open(paths.journalFile(), options.dryRun());
        PhaseContext ctx = new PhaseContext(options, paths, gate, journal, progress, bundle);
        PhaseRunner runner = new PhaseRunner(phases);
        runner.selected(options.until());
        CountDownLatch finished = new CountDownLatch(1);
        // The JVM exits once its shutdown hooks return, so the hook waits (bounded) for the runner to mark the
        // phase Interrupted and write the journal.
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
