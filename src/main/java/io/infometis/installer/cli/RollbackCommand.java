package io.infometis.installer.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;

import io.infometis.installer.InstallerException;
import io.infometis.installer.install.InstallLock;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.install.LockFiles;
import io.infometis.installer.phase.PhaseRunner;
import io.infometis.installer.progress.ConsoleRenderer;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.State;
import io.infometis.installer.upgrade.Rollbacks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "rollback", mixinStandardHelpOptions = true,
        description = "Put the stack back to the bundle installed before the last upgrade (k0s and the data stay).")
public class RollbackCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    VerboseMixin verbose;

    @Option(names = "--root", paramLabel = "DIR", description = "The root the install used (default: ${DEFAULT-VALUE}).", defaultValue = "/")
    Path root;
    @Option(names = "--state-dir", paramLabel = "DIR", description = "The install's state dir (default: <root>/var/lib/infometis).")
    Path stateDir;
    @Option(names = "--dry-run", description = "Print the plan; change nothing.")
    boolean dryRun;
    @Option(names = "--component-timeout", paramLabel = "DURATION", description = "How long each component may take to be ready (default: 15 min).", converter = DurationConverter.class)
    Duration componentTimeout;

    @Inject
    Progress progress;

    @Override
    public Integer call() {
        if (!Files.isDirectory(root)) {
            throw InstallerException.invalidInput("--root " + root + " is not a directory", "fix the path");
        }
        PrintWriter out = spec.commandLine().getOut();
        progress.addListener(new ConsoleRenderer(out, verbose.verbose()));
        InstallOptions options = new InstallOptions(root, stateDir, null, null, dryRun, null, Set.of(), null, null, null);
        try (InstallLock lock = InstallLock.acquire(LockFiles.lockFile(root, dryRun))) {
            PhaseRunner.Outcome o = Rollbacks.run(options, progress, componentTimeout);
            if (o.state() == State.SUCCEEDED) {
                out.println(dryRun ? "Dry run finished: nothing was changed." : "Rollback succeeded");
            } else {
                var f = o.failure();
                spec.commandLine().getErr().println("ERROR: " + (f == null ? "rollback " + o.state().label().toLowerCase()
                        : f.message() + (f.hint() == null ? "" : " — " + f.hint())));
                spec.commandLine().getErr().flush();
            }
            out.flush();
            return o.exitCode();
        }
    }
}
