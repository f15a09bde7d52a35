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
 * What a command that serves the progress API ({@code install}, {@code upgrade}, {@code rollback}) must know
 * before Quarkus binds its HTTP port, in this order: the flags parse (a wrong flag is one line, not a port error),
 * the lock (a second installer is told so, though it would also collide on the port), and the API port itself
 * (one clear line instead of Quarkus's error). Parses with picocli's own factory and no CDI; the real run parses
 * again inside Quarkus.
 */
final class EarlyApiChecks {
    /** The commands that serve the API; every other one runs with no listener. */
    static final java.util.Set<String> SERVING = java.util.Set.of("install", "upgrade", "rollback");

    private EarlyApiChecks() {
    }

    /** @return an exit code to stop with, or -1 to go on */
    static int run(String[] args) {
        ErrorHandler handler = new ErrorHandler();
        CommandLine.ParseResult parsed;
        try {
            parsed = Main.commandLine(CommandLine.defaultFactory(), args).parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            return handler.handleParseException(e, args);
        }
        CommandLine.ParseResult sub = parsed.subcommand();
        if (sub == null || sub.isUsageHelpRequested() || sub.isVersionHelpRequested()) {
            System.setProperty("quarkus.http.host-enabled", "false");
            return -1;
        }
        if (!(sub.commandSpec().userObject() instanceof ServesProgress command)) {
            System.setProperty("quarkus.http.host-enabled", "false");
            return -1;
        }
        if (!Files.isDirectory(command.root())) {
            // Left to the command, which says so; taking the lock would create the root.
            System.setProperty("quarkus.http.host-enabled", "false");
            return -1;
        }
        InetAddress bind;
        try {
            bind = command.checkFlags();
        } catch (InstallerException e) {
            return refuse(e);
        }
        try (InstallLock ignored = InstallLock.acquire(LockFiles.lockFile(command.root(), command.dryRun()))) {
            // Only probing; the command takes the lock for the run.
        } catch (InstallerException e) {
            return refuse(e);
        }
        ProgressApiMixin api = command.api();
        int port = api.apiPort;
        // Port 0 binds too: the address is tried here, so Quarkus never fails on it with a stack trace.
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(bind, port));
        } catch (IOException e) {
            boolean inUse = e.getMessage() != null && e.getMessage().contains("in use");
            System.err.println("ERROR: " + (inUse
                    ? "progress API port " + port + " on " + api.apiBind + " is in use — choose another with --api-port, or stop what holds it (ss -ltnp)"
                    : "progress API cannot bind " + api.apiBind + ":" + port + " (" + e.getMessage() + ") — choose another --api-bind or --api-port"));
            return ExitCodes.INVALID_INPUT;
        }
        if (api.apiOpen) {
            System.setProperty(ApiAccess.OPEN_PROPERTY, "true");
        }
        if (api.apiTokenFile != null) {
            System.setProperty(ApiAccess.TOKEN_FILE_PROPERTY, api.apiTokenFile.toAbsolutePath().toString());
        }
        System.setProperty("quarkus.http.port", Integer.toString(port));
        System.setProperty("quarkus.http.host", api.apiBind);
        return -1;
    }

    private static int refuse(InstallerException e) {
        System.err.println("ERROR: " + ErrorHandler.oneLine(e.oneLine()));
        return e.exitCode();
    }
}
