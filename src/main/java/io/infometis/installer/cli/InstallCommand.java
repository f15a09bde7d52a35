package io.infometis.installer.cli;

import io.infometis.installer.InstallerException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;


import io.infometis.installer.bundle.BuiltInSpec;
import io.infometis.installer.bundle.BundleLocator;
import io.infometis.installer.bundle.SpecPlan;
import io.infometis.installer.bundle.BundleSignature;
import io.infometis.installer.bundle.TrustPolicy;
import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.install.InstallLock;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.install.InstallPlan;
import io.infometis.installer.install.Installer;
import io.infometis.installer.install.LockFiles;
import io.infometis.installer.phase.PhaseRunner;
import io.infometis.installer.progress.ConsoleRenderer;
import io.infometis.installer.progress.ProgressSnapshot.Failure;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.State;
import io.infometis.installer.progress.api.ApiAccess;
import io.infometis.installer.upgrade.InstallHooks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "install", mixinStandardHelpOptions = true,
        description = "Install k0s and the InfoMetis stack from a bundle, serving progress on the API port.")
public class InstallCommand implements Callable<Integer>, ServesProgress {
    @Spec
    CommandSpec spec;
    @Mixin
    VerboseMixin verbose;
    @Mixin
    ProgressApiMixin api;

    @Option(names = "--bundle", paramLabel = "FILE", description = "The air-gap bundle (default: infometis-bundle.tar* next to the binary).")
    Path bundle;
    @Option(names = "--public-key", paramLabel = "FILE", description = "Trusted Ed25519 public key (X.509 PEM), instead of infometis.pub beside the executable or /etc/infometis/trusted.pub: the bundle must be signed by it (exit 2 before anything changes otherwise).")
    Path publicKey;
    @Option(names = "--allow-unsigned", description = "Install a bundle that is unsigned or not signed by the trusted key anyway (recorded in the journal and shown in progress).")
    boolean allowUnsigned;
    @Option(names = "--spec", paramLabel = "FILE", description = "Bundle spec a dry run plans from when there is no bundle (default: bundle/bundle.yaml when it exists here, else the one built into the installer).")
    Path bundleSpec;
    @Option(names = "--root", paramLabel = "DIR", description = "Install under DIR instead of / (a sandbox).", defaultValue = "/")
    Path root;
    @Option(names = "--state-dir", paramLabel = "DIR", description = "Journal and unpacked bundle (default: <root>/var/lib/infometis).")
    Path stateDir;
    @Option(names = "--dry-run", description = "Print the plan; change nothing.")
    boolean dryRun;
    @Option(names = "--until", paramLabel = "PHASE", description = "Stop after this phase.")
    String until;
    @Option(names = "--ignore-preflight", paramLabel = "NAME", description = "Bypass one preflight check (recorded). Repeatable.")
    List<String> ignorePreflight;
    @Option(names = "--k0s-binary", paramLabel = "PATH", description = "Use this k0s instead of the bundle's.")
    Path k0sBinary;
    @Option(names = "--volumes-dir", paramLabel = "DIR", description = "Base of the hostPath volumes (default: ${DEFAULT-VALUE}).", defaultValue = HostPaths.VOLUMES_DIR)
    String volumesDir;
    @Option(names = "--linger", paramLabel = "DURATION", description = "Keep serving the final state this long (default: ${DEFAULT-VALUE}).", defaultValue = "10m", converter = DurationConverter.class)
    Duration linger;
    @Option(names = "--phase-timeout", paramLabel = "DURATION", description = "Override every phase's own timeout (more than 0).", converter = DurationConverter.Positive.class)
    Duration phaseTimeout;

    @Inject
    InstallPlan plan;
    @Inject
    Progress progress;
    @Inject
    ApiAccess apiAccess;
    @Inject
    io.infometis.installer.support.InstallLocation installLocation;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        InstallOptions options = options();
        checkFlags();
        TrustPolicy trust = TrustPolicy.forInstall(publicKey, allowUnsigned, root);
        api.applyAccess(apiAccess);
        progress.addListener(new ConsoleRenderer(out, verbose.verbose()));
        try (InstallLock lock = InstallLock.acquire(LockFiles.lockFile(root, dryRun))) {
            Installer installer = new Installer(options, progress);
            // Announced (and the token saved) once the bundle is accepted, so a refused bundle leaves the root as it was.
            installLocation.set(installer.paths()); // GET /api/v1/support-bundle and /api/v1/installed
            PhaseRunner.Outcome outcome;
            try {
                InstallBundle installBundle = BundleLocator.resolve(options, installer.paths(), installer.gate(), trust);
                InstallHooks.refuseOtherBundle(installer, installBundle); // a newer bundle is an upgrade
                if (installBundle instanceof SpecPlan) {
                    out.println("no bundle file: planning from the bundle spec " + describeSpec(options.spec()));
                }
                if (installBundle.trust() != null) {
                    progress.setBundleTrust(installBundle.trust().status().label(), installBundle.trust().message());
                }
                api.announce(out, apiAccess, installer.paths().stateDir(), dryRun);
                outcome = installer.run(plan.phases(options), installBundle);
                InstallHooks.recordIfComplete(options, installer, installBundle, outcome); // installed.json, history
            } catch (InstallerException e) {
                // An unattended install (the ISO) is watched remotely and asks for --linger: "the bundle is
                // unreadable" must stay on the API instead of vanishing with the process. Without an explicit
                // --linger the error simply ends the command, as before.
                Failure failure = new Failure("bundle", e.getMessage(), e.hint());
                progress.finish(State.FAILED, failure);
                if (!spec.commandLine().getParseResult().hasMatchedOption("--linger")) {
                    throw e;
                }
                if (!linger.isZero()) {
                    api.announce(out, apiAccess, installer.paths().stateDir(), dryRun);
                }
                outcome = new PhaseRunner.Outcome(State.FAILED, failure, e.exitCode(), false);
            }
            report(out, outcome);
            if (outcome.state() != State.INTERRUPTED) {
                // Interrupted means the process is being stopped: lingering would only delay the exit.
                ProgressApiMixin.linger(out, linger, outcome.exitCode());
            }
            return outcome.exitCode();
        }
    }

    private InstallOptions options() {
        if (!Files.isDirectory(root)) {
            throw InstallerException.invalidInput("--root " + root + " is not a directory", "create it or fix the path");
        }
        Set<String> ignored = ignorePreflight == null ? Set.of() : new HashSet<>(ignorePreflight);
        return new InstallOptions(root, stateDir, bundle, specFile(), dryRun, until, ignored, k0sBinary, volumesDir,
                phaseTimeout);
    }

    /**
     * Every flag value that can be judged without the host's state, each refused with one line and exit 2 before
     * the lock is taken or a port bound ({@link EarlyApiChecks} runs this before Quarkus starts).
     */
    @Override
    public InetAddress checkFlags() {
        InetAddress bind = api.checkFlags();
        if (bundle != null) {
            BundleLocator.requireBundleFile(bundle, "--bundle");
        }
        if (bundleSpec != null && !Files.exists(bundleSpec)) {
            throw InstallerException.invalidInput("--spec " + bundleSpec + " not found", "check the path");
        }
        if (k0sBinary != null && !Files.isRegularFile(k0sBinary)) {
            throw InstallerException.invalidInput("--k0s-binary " + k0sBinary + (Files.exists(k0sBinary) ? " is not a regular file" : " not found"),
                    "pass the k0s executable");
        }
        if (stateDir != null && Files.exists(stateDir) && !Files.isDirectory(stateDir)) {
            throw InstallerException.invalidInput("--state-dir " + stateDir + " is not a directory", "fix the path");
        }
        checkVolumesDir(volumesDir);
        if (publicKey != null) {
            BundleSignature.readPublicKey(publicKey);
        }
        return bind;
    }

    /** {@code --volumes-dir} is resolved under --root: it must be absolute and must not climb out with "..". */
    static void checkVolumesDir(String dir) {
        if (dir == null || dir.isBlank() || !dir.startsWith("/") || java.util.Arrays.asList(dir.split("/")).contains("..")
                || dir.chars().anyMatch(Character::isISOControl)) {
            throw InstallerException.invalidInput("--volumes-dir '" + dir + "' is not an absolute path without '..'",
                    "use e.g. " + HostPaths.VOLUMES_DIR);
        }
    }

    /** {@code --spec}, else {@code bundle/bundle.yaml} in the working directory, else the one built into the installer. */
    private Path specFile() {
        if (bundleSpec != null) {
            return bundleSpec;
        }
        if (Files.isRegularFile(BundleLocator.DEFAULT_SPEC)) {
            return BundleLocator.DEFAULT_SPEC;
        }
        Path builtIn = BuiltInSpec.path();
        return builtIn != null ? builtIn : BundleLocator.DEFAULT_SPEC;
    }

    private static String describeSpec(Path spec) {
        return "file".equals(spec.toUri().getScheme()) ? spec.toString() : spec + " (built into the installer)";
    }

    private void report(PrintWriter out, PhaseRunner.Outcome outcome) {
        var snap = progress.snapshot();
        if (outcome.state() == State.SUCCEEDED) {
            out.println(outcome.alreadyDone() ? "Nothing to do: every phase was already done."
                    : (dryRun ? "Dry run finished: nothing was changed." : "Install succeeded") + " (" + snap.elapsedSeconds() + " s)");
            snap.summary().forEach(e -> out.println("  " + e.name() + ": " + e.url()));
        } else {
            ErrorHandler.printFailure(spec.commandLine().getErr(), "install", outcome);
        }
        out.flush();
    }

    @Override
    public Path root() {
        return root;
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
