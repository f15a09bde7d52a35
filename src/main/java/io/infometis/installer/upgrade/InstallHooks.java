package io.infometis.installer.upgrade;

import java.io.IOException;

import io.infometis.installer.InstallerException;
import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.install.Installer;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.phase.PhaseRunner;
import io.infometis.installer.progress.State;

/** The two lines {@code install} calls: refuse another bundle on an installed host, and record a finished install. */
public final class InstallHooks {
    private InstallHooks() {
    }

    /** {@code install} with a bundle other than the installed one is an upgrade: say so (exit 2) before anything runs. */
    public static void refuseOtherBundle(Installer installer, InstallBundle bundle) {
        if (bundle == null || bundle.digest() == null) {
            return;
        }
        new InstalledState(installer.paths().stateDir(), installer.gate()).read().ifPresent(r -> {
            if (!r.current().sameBundle(bundle.digest())) {
                String v = bundle.manifest().name() + " " + bundle.manifest().version();
                throw InstallerException.invalidInput(r.current().label() + " is installed here and this bundle is " + v,
                        "use 'infometis upgrade --bundle FILE' to move to it (or 'infometis rollback' to go back)");
            }
        });
    }

    /** After a complete install (not a dry run, not stopped by {@code --until}): records the bundle as installed. */
    public static void recordIfComplete(InstallOptions options, Installer installer, InstallBundle bundle,
            PhaseRunner.Outcome outcome) throws IOException {
        if (options.dryRun() || options.until() != null || outcome.state() != State.SUCCEEDED || bundle == null
                || !bundle.hasFiles()) {
            return;
        }
        new InstalledState(installer.paths().stateDir(), installer.gate()).recordInstall(bundle.manifest(),
                bundle.digest(), bundle.directory());
    }
}
