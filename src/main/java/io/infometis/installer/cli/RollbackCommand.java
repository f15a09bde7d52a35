package io.infometis.installer.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;

import io.infometis.installer.host.HostPaths;
import io.infometis.installer.install.InstallLock;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.install.LockFiles;
import io.infometis.installer.phase.PhaseRunner;
import io.infometis.installer.progress.ConsoleRenderer;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.State;
import io.infometis.installer.progress.api.ApiAccess;
import io.infometis.installer.support.InstallLocation;
import io.infometis.installer.upgrade.Rollbacks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "rollback", mixinStandardHelpOptions = true,
        description = "Put the stack back to the bundle installed before the last upgrade (k0s and the data stay).")
public class RollbackCommand implements Callable<Integer>, ServesProgress {
    @Spec
    CommandSpec spec;
    @Mixin
    VerboseMixin verbose;
    @Mixin
    ProgressApiMixin api;

    @Mixin
    InstalledHostMixin host;
    @Option(names = "--dry-run", description = "Print the plan; change nothing.")
    boolean dryRun;
    @Option(names = "--component-timeout", paramLabel = "DURATION", description = "How long each component may take to be ready (default: 15 min).", converter = DurationConverter.Positive.class)
    Duration componentTimeout;
    @Option(names = "--linger", paramLabel = "DURATION", description = "Keep serving the final state this long (default: ${DEFAULT-VALUE}).", defaultValue = "0s", converter = DurationConverter.class)
    Duration linger;

    @Inject
    Progress progress;
    @Inject
    ApiAccess apiAccess;
    @Inject
    InstallLocation installLocation;

    @Override
    public Integer call() throws IOException, InterruptedException {
        HostPaths paths = host.paths();
        checkFlags();
        api.applyAccess(apiAccess);
        PrintWriter out = spec.commandLine().getOut();
        progress.addListener(new ConsoleRenderer(out, verbose.verbose()));
        InstallOptions options = new InstallOptions(host.root, host.stateDir, null, null, dryRun, null, Set.of(), null,
                null, null);
        try (InstallLock lock = InstallLock.acquire(LockFiles.lockFile(host.root, dryRun))) {
            installLocation.set(paths); // GET /api/v1/support-bundle and /api/v1/installed
            PhaseRunner.Outcome o = Rollbacks.run(options, progress, componentTimeout,
                    () -> api.announce(out, apiAccess, paths.stateDir(), dryRun));
            if (o.state() == State.SUCCEEDED) {
                out.println(dryRun ? "Dry run finished: nothing was changed." : "Rollback succeeded");
            } else {
                ErrorHandler.printFailure(spec.commandLine().getErr(), "rollback", o);
            }
            out.flush();
            if (o.state() != State.INTERRUPTED) {
                ProgressApiMixin.linger(out, linger, o.exitCode());
            }
            return o.exitCode();
        }
    }

    @Override
    public InetAddress checkFlags() {
        return api.checkFlags();
    }

    @Override
    public Path root() {
        return host.root;
    }

    @Override
    public boolean dryRun() {
        return dryRun;
    }

    @Override
    public ProgressApiMixin api() {
        return api;
    }
}
