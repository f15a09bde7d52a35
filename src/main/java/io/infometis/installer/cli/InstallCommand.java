package io.infometis.installer.cli;

import io.infometis.installer.InstallerException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;

import io.infometis.installer.SmallFiles;
import io.infometis.installer.bundle.BuiltInSpec;
import io.infometis.installer.bundle.BundleLocator;
import io.infometis.installer.bundle.SpecPlan;
import io.infometis.installer.phase.preflight.PortsCheck;
import io.infometis.installer.bundle.BundleSignature;
import io.infometis.installer.bundle.TrustPolicy;
import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.host.AtomicFiles;
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
public class InstallCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    VerboseMixin verbose;

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
    @Option(names = "--api-port", paramLabel = "PORT", description = "Progress API port (default: ${DEFAULT-VALUE}).", defaultValue = "9090")
    int apiPort;
    @Option(names = "--api-bind", paramLabel = "ADDR", description = "Progress API address (default: ${DEFAULT-VALUE}).", defaultValue = "0.0.0.0")
    String apiBind;
    @Option(names = "--api-token-file", paramLabel = "FILE", description = "The API's bearer token (default: one generated at start, printed once and kept in <state dir>/api-token, 0600).")
    Path apiTokenFile;
    @Option(names = "--api-open", description = "Serve the progress API without a token (anyone who reaches the port sees host paths and facts).")
    boolean apiOpen;
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
    private boolean announced;
    @Inject
    io.infometis.installer.progress.api.InstalledResource.StateDir installedStateDir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        InstallOptions options = options();
        checkFlags();
        TrustPolicy trust = TrustPolicy.forInstall(publicKey, allowUnsigned, root);
        if (apiOpen && apiTokenFile != null) {
            throw InstallerException.invalidInput("--api-open and --api-token-file contradict each other", "pass one of them");
        }
        if (apiTokenFile != null) {
            apiAccess.requireToken(readToken(apiTokenFile));
        } else if (apiOpen) {
            apiAccess.requireToken(null);
        }
        progress.addListener(new ConsoleRenderer(out, verbose.verbose()));
        try (InstallLock lock = InstallLock.acquire(LockFiles.lockFile(root, dryRun))) {
            Installer installer = new Installer(options, progress);
            // Announced (and the token saved) once the bundle is accepted, so a refused bundle leaves the root as it was.
            installLocation.set(installer.paths());
            installedStateDir.set(installer.paths().stateDir()); // GET /api/v1/installed
            Path tokenFile = installer.paths().stateDir().resolve(ApiAccess.TOKEN_FILE_NAME);
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
                announceApi(out, tokenFile);
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
                    announceApi(out, tokenFile);
                }
                outcome = new PhaseRunner.Outcome(State.FAILED, failure, e.exitCode(), false);
            }
            report(out, outcome);
            if (outcome.state() != State.INTERRUPTED) {
                // Interrupted means the process is being stopped: lingering would only delay the exit.
                linger(out, outcome.exitCode());
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
     * the lock is taken or a port bound ({@link EarlyInstallChecks} runs this before Quarkus starts).
     */
    InetAddress checkFlags() {
        if (apiPort < 0 || apiPort > 65535) {
            throw InstallerException.invalidInput("--api-port " + apiPort + " is not a port number",
                    "use 1-65535, or 0 for any free port");
        }
        if (PortsCheck.isNeeded(apiPort)) {
            throw InstallerException.invalidInput("--api-port " + apiPort + " is a port the install itself needs (k0s or the stack's ingress)",
                    "choose another, e.g. the default 9090");
        }
        InetAddress bind = bindAddress(apiBind);
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
        if (apiTokenFile != null) {
            readToken(apiTokenFile);
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

    /** An IP literal or a name that resolves to an address of this host (or the wildcard): Quarkus binds it later. */
    static InetAddress bindAddress(String value) {
        String hint = "use 0.0.0.0 (every interface), 127.0.0.1, or one of this host's addresses (ip -brief addr)";
        if (value == null || value.isBlank() || value.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw InstallerException.invalidInput("--api-bind '" + value + "' is not an address", hint);
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(value);
        } catch (UnknownHostException | SecurityException e) {
            throw InstallerException.invalidInput("--api-bind " + value + " is neither an IP address nor a name this host resolves", hint);
        }
        boolean local = address.isAnyLocalAddress() || address.isLoopbackAddress();
        try {
            local |= NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            // Unknown: treated as not local.
        }
        if (!local) {
            throw InstallerException.invalidInput("--api-bind " + value + " (" + address.getHostAddress() + ") is not an address of this host", hint);
        }
        return address;
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

    static String readToken(Path file) {
        String token = new String(SmallFiles.read(file, SmallFiles.KEY_BYTES, "--api-token-file"), StandardCharsets.UTF_8).trim();
        if (token.isEmpty()) {
            throw InstallerException.invalidInput("--api-token-file " + file + " is empty", "write the token into it");
        }
        return token;
    }

    private boolean serving() {
        return ConfigProvider.getConfig().getOptionalValue("quarkus.http.host-enabled", Boolean.class).orElse(true)
                && ConfigProvider.getConfig().getOptionalValue("quarkus.http.port", Integer.class).isPresent();
    }

    /**
     * The URL, and a generated token exactly once: on the console (the ISO's serial line and screen) and in a
     * 0600 file in the state dir, where {@code status} on this host finds it. A dry run writes nothing under the
     * root, so its token is only printed.
     */
    private void announceApi(PrintWriter out, Path tokenFile) throws IOException {
        if (!serving() || announced) {
            return;
        }
        announced = true;
        int port = ConfigProvider.getConfig().getValue("quarkus.http.port", Integer.class);
        out.println("progress API: http://" + apiBind + ":" + port + "/api/v1/progress"
                + (apiAccess.tokenRequired() ? "" : " (open: no token, --api-open)"));
        String token = apiAccess.generatedToken();
        if (token != null) {
            if (!dryRun) {
                try {
                    AtomicFiles.write(tokenFile, (token + "\n").getBytes(StandardCharsets.US_ASCII),
                            PosixFilePermissions.fromString("rw-------"));
                } catch (IOException e) {
                    if (io.infometis.installer.NoSpace.is(e)) {
                        throw io.infometis.installer.NoSpace.at("writing the API token", tokenFile, e);
                    }
                    throw e;
                }
            }
            out.println("progress API token: " + token + (dryRun ? " (dry run: not saved)" : " (also in " + tokenFile + ", mode 0600)"));
        }
        out.flush();
    }

    private void report(PrintWriter out, PhaseRunner.Outcome outcome) {
        var snap = progress.snapshot();
        if (outcome.state() == State.SUCCEEDED) {
            out.println(outcome.alreadyDone() ? "Nothing to do: every phase was already done."
                    : (dryRun ? "Dry run finished: nothing was changed." : "Install succeeded") + " (" + snap.elapsedSeconds() + " s)");
            snap.summary().forEach(e -> out.println("  " + e.name() + ": " + e.url()));
        } else {
            var f = outcome.failure();
            spec.commandLine().getErr().println("ERROR: " + (f == null ? "install " + outcome.state().label().toLowerCase()
                    : f.message() + (f.hint() == null ? "" : " — " + f.hint())));
            spec.commandLine().getErr().flush();
        }
        out.flush();
    }

    private void linger(PrintWriter out, int exitCode) throws InterruptedException {
        if (!serving() || linger.isZero()) {
            return;
        }
        out.println("progress API keeps serving the final state for " + linger.toSeconds() + " s (Ctrl-C to stop)");
        out.flush();
        // Ctrl-C or SIGTERM now only ends the serving: the install's outcome is decided and journaled, so the process
        // exits with the install's own code (0 after a success), not the signal's 130.
        Thread keepOutcome = new Thread(() -> {
            out.println("progress API stopped");
            out.flush();
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(exitCode);
        }, "linger-signal");
        Runtime.getRuntime().addShutdownHook(keepOutcome);
        try {
            Thread.sleep(linger.toMillis());
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(keepOutcome);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or has run; it decides the exit code.
            }
        }
    }
}
