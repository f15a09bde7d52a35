package io.infometis.installer.cli;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Files;

import io.infometis.installer.install.InstallLock;
import io.infometis.installer.install.LockFiles;
import io.infometis.installer.progress.api.ApiAccess;
import picocli.CommandLine;

/**
 * What {@code install} must know before Quarkus binds its HTTP port, in this order: the flags parse (a wrong flag
 * is exit 2, not a port error), the lock (a second installer exits 4 even though it would also collide on the
 * port), and the API port itself (one clear line instead of Quarkus's error). Parses with picocli's own factory
 * and no CDI; the real run parses again inside Quarkus.
 */
final class EarlyInstallChecks {
    private EarlyInstallChecks() {
    }

    /** @return an exit code to stop with, or -1 to go on */
    static int run(String[] args) {
        ErrorHandler handler = new ErrorHandler();
        CommandLine.ParseResult parsed;
        try {
            parsed = Main.commandLine(CommandLine.defaultFactory()).parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            return handler.handleParseException(e, args);
        }
        CommandLine.ParseResult sub = parsed.subcommand();
        if (sub == null || sub.isUsageHelpRequested() || sub.isVersionHelpRequested()) {
            System.setProperty("quarkus.http.host-enabled", "false");
            return -1;
        }
        InstallCommand install = (InstallCommand) sub.commandSpec().userObject();
        if (!Files.isDirectory(install.root)) {
            // Left to the command, which says so; taking the lock would create the root.
            System.setProperty("quarkus.http.host-enabled", "false");
            return -1;
        }
        try (InstallLock ignored = InstallLock.acquire(LockFiles.lockFile(install.root, install.dryRun))) {
            // Only probing; InstallCommand takes the lock for the run.
        } catch (InstallerException e) {
            System.err.println("ERROR: " + e.oneLine());
            return e.exitCode();
        }
        int port = install.apiPort;
        if (port < 0 || port > 65535) {
            System.err.println("ERROR: --api-port " + port + " is not a port number — use 1-65535, or 0 for any free port");
            return ExitCodes.INVALID_INPUT;
        }
        if (port != 0) {
            InetAddress bind;
            try {
                bind = InetAddress.getByName(install.apiBind);
            } catch (UnknownHostException e) {
                System.err.println("ERROR: --api-bind " + install.apiBind + " is not an address here — use e.g. 0.0.0.0 or 127.0.0.1");
                return ExitCodes.INVALID_INPUT;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(bind, port));
            } catch (IOException e) {
                System.err.println("ERROR: progress API port " + port + " on " + install.apiBind + " is in use ("
                        + e.getMessage() + ") — choose another with --api-port, or stop what holds it");
                return ExitCodes.INVALID_INPUT;
            }
        }
        if (install.apiOpen && install.apiTokenFile != null) {
            System.err.println("ERROR: --api-open and --api-token-file contradict each other — pass one of them");
            return ExitCodes.INVALID_INPUT;
        }
        if (install.apiOpen) {
            System.setProperty(ApiAccess.OPEN_PROPERTY, "true");
        }
        if (install.apiTokenFile != null) {
            try {
                InstallCommand.readToken(install.apiTokenFile);
            } catch (InstallerException e) {
                System.err.println("ERROR: " + e.oneLine());
                return e.exitCode();
            }
            System.setProperty(ApiAccess.TOKEN_FILE_PROPERTY, install.apiTokenFile.toAbsolutePath().toString());
        }
        System.setProperty("quarkus.http.port", Integer.toString(port));
        System.setProperty("quarkus.http.host", install.apiBind);
        return -1;
    }
}
