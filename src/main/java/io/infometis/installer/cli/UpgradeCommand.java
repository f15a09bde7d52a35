package io.infometis.installer.cli;

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
import io.infometis.installer.progress.ConsoleRenderer;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.State;
import io.infometis.installer.progress.api.ApiAccess;
import io.infometis.installer.support.InstallLocation;
import io.infometis.installer.upgrade.Upgrader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "upgrade", mixinStandardHelpOptions = true,
        description = "Upgrade the installed platform to a newer bundle: only what changed; rolls back a component that does not come up.")
public class UpgradeCommand implements Callable<Integer>, ServesProgress {
    @Spec
    CommandSpec spec;
    @Mixin
    VerboseMixin verbose;
    @Mixin
    ProgressApiMixin api;

    @Option(names = "--bundle", required = true, paramLabel = "FILE", description = "The new air-gap bundle.")
    Path bundle;
    @Option(names = "--public-key", paramLabel = "FILE", description = "Trusted Ed25519 public key (X.509 PEM), instead of infometis.pub beside the executable or /etc/infometis/trusted.pub: the bundle must be signed by it.")
    Path publicKey;
    @Option(names = "--allow-unsigned", description = "Upgrade to a bundle that is unsigned or not signed by the trusted key anyway (as install).")
    boolean allowUnsigned;
    @Mixin
    InstalledHostMixin host;
    @Option(names = "--volumes-dir", paramLabel = "DIR", description = "Base of the hostPath volumes (default: ${DEFAULT-VALUE}).", defaultValue = HostPaths.VOLUMES_DIR)
    String volumesDir;
    @Option(names = "--dry-run", description = "Verify the bundle and print the plan; change nothing.")
    boolean dryRun;
    @Option(names = "--component-timeout", paramLabel = "DURATION", description = "How long each changed component may take to be ready (default: 10 min, 15 for Elasticsearch and NiFi).", converter = DurationConverter.Positive.class)
    Duration componentTimeout;
    @Option(names = "--linger", paramLabel = "DURATION", description = "Keep serving the final state this long (default: ${DEFAULT-VALUE}: an upgrade is run from a console; its outcome stays in `infometis installed`).", defaultValue = "0s", converter = DurationConverter.class)
    Duration linger;

    @Inject
    Progress progress;
    @Inject
    ApiAccess apiAccess;
    @Inject
    InstallLocation installLocation;

    @Override
    public Integer call() throws Exception {
        HostPaths paths = host.paths(volumesDir);
        checkFlags();
        api.applyAccess(apiAccess);
        PrintWriter out = spec.commandLine().getOut();
        io.infometis.installer.bundle.TrustPolicy trust = io.infometis.installer.bundle.TrustPolicy.forInstall(publicKey,
                allowUnsigned, host.root);
        InstallOptions options = new InstallOptions(host.root, host.stateDir, bundle, null, dryRun, null, Set.of(), null,
                volumesDir, null);
        progress.addListener(new ConsoleRenderer(out, verbose.verbose()));
        try (InstallLock lock = InstallLock.acquire(LockFiles.lockFile(host.root, dryRun))) {
            installLocation.set(paths); // GET /api/v1/support-bundle and /api/v1/installed
            Upgrader.Result r = new Upgrader(options, progress, componentTimeout).run(trust,
                    () -> api.announce(out, apiAccess, paths.stateDir(), dryRun));
            if (r.alreadyInstalled()) {
                out.println("Nothing to do: " + bundle + " is the installed bundle.");
            } else if (r.outcome().state() == State.SUCCEEDED) {
                out.println(dryRun ? "Dry run finished: nothing was changed."
                        : "Upgrade succeeded: " + r.plan().to().label() + " is installed (" + progress.snapshot().elapsedSeconds() + " s)");
            } else {
                ErrorHandler.printFailure(spec.commandLine().getErr(), "upgrade", r.outcome());
            }
            out.flush();
            if (r.outcome().state() != State.INTERRUPTED) {
                ProgressApiMixin.linger(out, linger, r.outcome().exitCode());
            }
            return r.outcome().exitCode();
        }
    }

    @Override
    public InetAddress checkFlags() {
        InetAddress bind = api.checkFlags();
        io.infometis.installer.bundle.BundleLocator.requireBundleFile(bundle, "--bundle");
        InstallCommand.checkVolumesDir(volumesDir);
        return bind;
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
