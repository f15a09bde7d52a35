package io.infometis.installer.upgrade;

import java.time.Duration;
import java.util.List;

import io.infometis.installer.InstallerException;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.K0sContainerd;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.install.Installer;
import io.infometis.installer.k8s.KubeClients;
import io.infometis.installer.phase.PhaseRunner;
import io.infometis.installer.progress.Progress;

/** {@code infometis rollback}: one {@link RollbackPhase} through the install's engine, journal {@code rollback-journal.json}. */
public final class Rollbacks {
    public static final String JOURNAL = "rollback-journal.json";

    private Rollbacks() {
    }

    public static PhaseRunner.Outcome run(InstallOptions options, Progress progress, Duration componentTimeout,
            Upgrader.Accepted accepted) throws java.io.IOException {
        Installer installer = new Installer(options, progress);
        InstalledState state = new InstalledState(installer.paths().stateDir(), installer.gate());
        InstalledRecord record = state.read().orElseThrow(() -> InstallerException.invalidInput(
                "nothing to roll back: no install record in " + state.recordFile(), "install first with 'infometis install'"));
        if (record.previous() == null) {
            throw InstallerException.invalidInput("nothing to roll back to: " + record.current().label()
                    + " is the only bundle installed here", "rollback follows an upgrade");
        }
        accepted.now();
        HostPaths paths = installer.paths();
        K0sCli k0s = new K0sCli(paths.k0sBinary(), Duration.ofMinutes(2));
        RollbackPhase phase = new RollbackPhase(state, record, new K0sContainerd(k0s, Duration.ofMinutes(5)),
                KubeClients.fromKubeconfig(paths.adminKubeconfig()),
                componentTimeout == null ? Duration.ofMinutes(15) : componentTimeout);
        // A finished rollback's journal would mark its units done for the next one: each rollback starts fresh.
        java.nio.file.Path journal = paths.stateDir().resolve(JOURNAL);
        try {
            if (java.nio.file.Files.exists(journal) && io.infometis.installer.install.Journal.open(journal, true)
                    .state() == io.infometis.installer.progress.State.SUCCEEDED) {
                installer.gate().delete(journal);
            }
        } catch (java.io.IOException e) {
            throw InstallerException.failed("removing " + journal + ": " + e.getMessage(), "check the state dir", e);
        }
        return installer.run(List.of(phase), null, journal);
    }
}
