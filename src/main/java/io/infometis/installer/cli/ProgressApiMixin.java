package io.infometis.installer.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.eclipse.microprofile.config.ConfigProvider;

import io.infometis.installer.InstallerException;
import io.infometis.installer.NoSpace;
import io.infometis.installer.SmallFiles;
import io.infometis.installer.host.AtomicFiles;
import io.infometis.installer.phase.preflight.PortsCheck;
import io.infometis.installer.progress.api.ApiAccess;
import picocli.CommandLine.Option;

/**
 * The progress API's flags and its serving, shared by the commands that change the host while a laptop watches:
 * {@code install}, {@code upgrade} and {@code rollback}. {@link EarlyApiChecks} judges the flags, the lock and the
 * port before Quarkus binds; the command announces the URL and token once and lingers on the final state.
 */
public class ProgressApiMixin {
    @Option(names = "--api-port", paramLabel = "PORT", description = "Progress API port (default: ${DEFAULT-VALUE}).", defaultValue = "9090")
    int apiPort;
    @Option(names = "--api-bind", paramLabel = "ADDR", description = "Progress API address (default: ${DEFAULT-VALUE}).", defaultValue = "0.0.0.0")
    String apiBind;
    @Option(names = "--api-token-file", paramLabel = "FILE", description = "The API's bearer token (default: one generated at start, printed once and kept in <state dir>/api-token, 0600).")
    Path apiTokenFile;
    @Option(names = "--api-open", description = "Serve the progress API without a token (anyone who reaches the port sees host paths and facts).")
    boolean apiOpen;

    private boolean announced;

    /** Every API flag that can be judged without the host's state: one line and exit 2 before a port is bound. */
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
        if (apiOpen && apiTokenFile != null) {
            throw InstallerException.invalidInput("--api-open and --api-token-file contradict each other", "pass one of them");
        }
        if (apiTokenFile != null) {
            readToken(apiTokenFile);
        }
        return bind;
    }

    /** The token the API requires: the operator's file, none with --api-open, else the one generated at start. */
    void applyAccess(ApiAccess apiAccess) {
        if (apiTokenFile != null) {
            apiAccess.requireToken(readToken(apiTokenFile));
        } else if (apiOpen) {
            apiAccess.requireToken(null);
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

    static String readToken(Path file) {
        String token = new String(SmallFiles.read(file, SmallFiles.KEY_BYTES, "--api-token-file"), StandardCharsets.UTF_8).trim();
        if (token.isEmpty()) {
            throw InstallerException.invalidInput("--api-token-file " + file + " is empty", "write the token into it");
        }
        return token;
    }

    /** True when this run binds the API: {@link Main} disables the listener for every other command. */
    static boolean serving() {
        return ConfigProvider.getConfig().getOptionalValue("quarkus.http.host-enabled", Boolean.class).orElse(true)
                && ConfigProvider.getConfig().getOptionalValue("quarkus.http.port", Integer.class).isPresent();
    }

    /**
     * The URL, and a generated token exactly once: on the console (the ISO's serial line and screen) and in a
     * 0600 file in the state dir, where {@code status} on this host finds it. A dry run writes nothing under the
     * root, so its token is only printed.
     */
    void announce(PrintWriter out, ApiAccess apiAccess, Path stateDir, boolean dryRun) throws IOException {
        if (!serving() || announced) {
            return;
        }
        announced = true;
        Path tokenFile = stateDir.resolve(ApiAccess.TOKEN_FILE_NAME);
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
                    if (NoSpace.is(e)) {
                        throw NoSpace.at("writing the API token", tokenFile, e);
                    }
                    throw e;
                }
            }
            out.println("progress API token: " + token + (dryRun ? " (dry run: not saved)" : " (also in " + tokenFile + ", mode 0600)"));
        }
        out.flush();
    }

    /**
     * Keeps serving the final state for {@code linger}. Ctrl-C or SIGTERM now only ends the serving: the outcome is
     * decided and journaled, so the process exits with the command's own code (0 after a success), not the signal's 130.
     */
    static void linger(PrintWriter out, Duration linger, int exitCode) throws InterruptedException {
        if (!serving() || linger.isZero()) {
            return;
        }
        out.println("progress API keeps serving the final state for " + linger.toSeconds() + " s (Ctrl-C to stop)");
        out.flush();
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
