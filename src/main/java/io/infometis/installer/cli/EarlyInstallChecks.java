package io.infometis.installer.cli;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
        InetAddress bind;
        try {
            bind = install.checkFlags();
        } catch (InstallerException e) {
            return refuse(e);
        }
        try (InstallLock ignored = InstallLock.acquire(LockFiles.lockFile(install.root, install.dryRun))) {
            // Only probing; InstallCommand takes the lock for the run.
        } catch (InstallerException e) {
            return refuse(e);
        }
        int port = install.apiPort;
        // Port 0 binds too: the address is tried here, so Quarkus never fails on it with a stack trace.
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(bind, port));
        } catch (IOException e) {
            boolean inUse = e.getMessage() != null && e.getMessage().contains("in use");
            System.err.println("ERROR: " + (inUse
                    ? "progress API port " + port + " on " + install.apiBind + " is in use — choose another with --api-port, or stop what holds it (ss -ltnp)"
                    : "progress API cannot bind " + install.apiBind + ":" + port + " (" + e.getMessage() + ") — choose another --api-bind or --api-port"));
            return ExitCodes.INVALID_INPUT;
        }
        if (install.apiOpen && install.apiTokenFile != null) {
            System.err.println("ERROR: --api-open and --api-token-file contradict each other — pass one of them");
            return ExitCodes.INVALID_INPUT;
        }
        if (install.apiOpen) {
            System.setProperty(ApiAccess.OPEN_PROPERTY, "true");
        }
        if (install.apiTokenFile != null) {
            System.setProperty(ApiAccess.TOKEN_FILE_PROPERTY, install.apiTokenFile.toAbsolutePath().toString());
        }
        System.setProperty("quarkus.http.port", Integer.toString(port));
        System.setProperty("quarkus.http.host", install.apiBind);
        return -1;
    }

    private static int refuse(InstallerException e) {
        System.err.println("ERROR: " + ErrorHandler.oneLine(e.oneLine()));
        return e.exitCode();
    }
}
