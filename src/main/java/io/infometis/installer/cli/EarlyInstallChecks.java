package io.infometis.installer.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import io.infometis.installer.install.InstallLock;
import io.infometis.installer.install.LockFiles;

/**
 * What {@code install} must know before Quarkus binds its HTTP port: the lock (a second installer exits 4 even
 * when it would also collide on the port) and the API port itself (one clear line instead of Quarkus's error).
 * Reads only the few flags it needs; picocli parses everything properly afterwards.
 */
final class EarlyInstallChecks {
    private EarlyInstallChecks() {
    }

    /** @return an exit code to stop with, or -1 to go on */
    static int run(String[] args) {
        if (has(args, "--help") || has(args, "-h")) {
            System.setProperty("quarkus.http.host-enabled", "false");
            return -1;
        }
        String root = value(args, "--root", "/");
        String stateDir = value(args, "--state-dir", null);
        boolean dryRun = has(args, "--dry-run");
        try (InstallLock ignored = InstallLock.acquire(LockFiles.lockFile(Path.of(root), stateDir, dryRun))) {
            // Only probing; InstallCommand takes the lock for the run.
        } catch (InstallerException e) {
            System.err.println("ERROR: " + e.oneLine());
            return e.exitCode();
        }
        String portText = value(args, "--api-port", "9090");
        String bind = value(args, "--api-bind", "0.0.0.0");
        int port;
        try {
            port = Integer.parseInt(portText);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            System.err.println("ERROR: --api-port '" + portText + "' is not a port number — use 1-65535, or 0 for any free port");
            return ExitCodes.INVALID_INPUT;
        }
        if (port != 0) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getByName(bind), port));
            } catch (IOException e) {
                System.err.println("ERROR: progress API port " + port + " on " + bind + " is in use (" + e.getMessage()
                        + ") — choose another with --api-port, or stop what holds it");
                return ExitCodes.INVALID_INPUT;
            }
        }
        System.setProperty("quarkus.http.port", Integer.toString(port));
        System.setProperty("quarkus.http.host", bind);
        return -1;
    }

    private static boolean has(String[] args, String flag) {
        for (String a : args) {
            if (a.equals(flag)) {
                return true;
            }
        }
        return false;
    }

    private static String value(String[] args, String flag, String fallback) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(flag) && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith(flag + "=")) {
                return args[i].substring(flag.length() + 1);
            }
        }
        return fallback;
    }
}
