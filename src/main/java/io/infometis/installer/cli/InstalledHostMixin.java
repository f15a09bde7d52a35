package io.infometis.installer.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import io.infometis.installer.InstallerException;
import io.infometis.installer.host.HostPaths;
import picocli.CommandLine.Option;

/**
 * {@code --root} and {@code --state-dir} of the commands that act on an existing install (uninstall, verify,
 * support-bundle, upgrade, rollback), written once.
 */
public class InstalledHostMixin {
    @Option(names = "--root", paramLabel = "DIR", description = "The root the install used (default: ${DEFAULT-VALUE}).", defaultValue = "/")
    Path root;
    @Option(names = "--state-dir", paramLabel = "DIR", description = "The install's state dir (default: <root>/var/lib/infometis).")
    Path stateDir;

    /** The install's paths; a root that is not a directory is a wrong flag. */
    HostPaths paths() {
        return paths(null);
    }

    /** As {@link #paths()}, with the hostPath volumes' base ({@code --volumes-dir}; null: the default). */
    HostPaths paths(String volumesDir) {
        if (!Files.isDirectory(root)) {
            throw InstallerException.invalidInput("--root " + root + " is not a directory", "fix the path");
        }
        if (stateDir != null && Files.exists(stateDir) && !Files.isDirectory(stateDir)) {
            throw InstallerException.invalidInput("--state-dir " + stateDir + " is not a directory", "fix the path");
        }
        return new HostPaths(root, stateDir, volumesDir);
    }
}
