package io.infometis.installer.cli;

import io.infometis.installer.InstallerException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;

import io.infometis.installer.bundle.BundleLocator;
import io.infometis.installer.bundle.BundleSignature;
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
public class InstallCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    VerboseMixin verbose;

    @Option(names = "--bundle", paramLabel = "FILE", description = "The air-gap bundle (default: infometis-bundle.tar* next to the binary).")
    Path bundle;
    @Option(names = "--public-key", paramLabel = "FILE", description = "Ed25519 public key (X.509 PEM): the bundle must be signed by it (exit 2 before anything changes otherwise).")
    Path publicKey;
    @Option(names = "--spec", paramLabel = "FILE", description = "Bundle spec a dry run plans from when there is no bundle (default: ${DEFAULT-VALUE}).", defaultValue = "bundle/bundle.yaml")
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
    @Option(names = "--api-token-file", paramLabel = "FILE", description = "Require 'Authorization: Bearer <token>' on /api.")
    Path apiTokenFile;
    @Option(names = "--linger", paramLabel = "DURATION", description = "Keep serving the final state this long (default: ${DEFAULT-VALUE}).", defaultValue = "10m", converter = DurationConverter.class)
    Duration linger;
    @Option(names = "--phase-timeout", paramLabel = "DURATION", description = "Override every phase's own timeout.", converter = DurationConverter.class)
    Duration phaseTimeout;

    @Inject
    InstallPlan plan;
    @Inject
    Progress progress;
    @Inject
    ApiAccess apiAccess;
    @Inject
    io.infometis.installer.progress.api.InstalledResource.StateDir installedStateDir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        InstallOptions options = options();
        PublicKey key = publicKey == null ? null : BundleSignature.readPublicKey(publicKey);
        if (apiTokenFile != null) {
            apiAccess.requireToken(readToken(apiTokenFile));
        }
        progress.addListener(new ConsoleRenderer(out, verbose.verbose()));
        try (InstallLock lock = InstallLock.acquire(LockFiles.lockFile(root, dryRun))) {
            Installer installer = new Installer(options, progress);
            installedStateDir.set(installer.paths().stateDir()); // GET /api/v1/installed (issue 14)
            announceApi(out);
            PhaseRunner.Outcome outcome;
            try {
                InstallBundle installBundle = BundleLocator.resolve(options, installer.paths(), installer.gate(), key);
                InstallHooks.refuseOtherBundle(installer, installBundle); // issue 14: a newer bundle is an upgrade
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
                outcome = new PhaseRunner.Outcome(State.FAILED, failure, e.exitCode(), false);
            }
            report(out, outcome);
            if (outcome.state() != State.INTERRUPTED) {
                // Interrupted means the process is being stopped: lingering would only delay the exit.
                linger(out);
            }
            return outcome.exitCode();
        }
    }

    private InstallOptions options() {
        if (!Files.isDirectory(root)) {
            throw InstallerException.invalidInput("--root " + root + " is not a directory", "create it or fix the path");
        }
        Set<String> ignored = ignorePreflight == null ? Set.of() : new HashSet<>(ignorePreflight);
        return new InstallOptions(root, stateDir, bundle, bundleSpec, dryRun, until, ignored, k0sBinary, volumesDir,
                phaseTimeout);
    }

    static String readToken(Path file) {
        try {
            String token = Files.readString(file).trim();
            if (token.isEmpty()) {
                throw InstallerException.invalidInput("--api-token-file " + file + " is empty", "write the token into it");
            }
            return token;
        } catch (IOException e) {
            throw InstallerException.invalidInput("--api-token-file " + file + " is unreadable (" + e.getMessage() + ")",
                    "check the path and its permissions");
        }
    }

    private boolean serving() {
        return ConfigProvider.getConfig().getOptionalValue("quarkus.http.host-enabled", Boolean.class).orElse(true)
                && ConfigProvider.getConfig().getOptionalValue("quarkus.http.port", Integer.class).isPresent();
    }

    private void announceApi(PrintWriter out) {
        if (serving()) {
            int port = ConfigProvider.getConfig().getValue("quarkus.http.port", Integer.class);
            out.println("progress API: http://" + apiBind + ":" + port + "/api/v1/progress");
        }
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

    private void linger(PrintWriter out) throws InterruptedException {
        if (!serving() || linger.isZero()) {
            return;
        }
        out.println("progress API keeps serving the final state for " + linger.toSeconds() + " s (Ctrl-C to stop)");
        out.flush();
        Thread.sleep(linger.toMillis());
    }
}
