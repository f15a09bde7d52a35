package io.infometis.installer.bundle;

import java.nio.file.Files;
import java.nio.file.Path;

import io.infometis.installer.cli.InstallerException;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.install.InstallOptions;

/** Finds the bundle an install uses: {@code --bundle}, else the spec's plan for a dry run. */
public final class BundleLocator {
    public static final Path DEFAULT_SPEC = Path.of("bundle/bundle.yaml");

    private BundleLocator() {
    }

    public static InstallBundle resolve(InstallOptions options, HostPaths paths, HostGate gate) {
        if (options.bundle() != null) {
            throw InstallerException.invalidInput("reading bundle files is not built yet", "use --dry-run");
        }
        Path spec = options.spec() != null ? options.spec() : DEFAULT_SPEC;
        if (options.dryRun() && Files.isRegularFile(spec)) {
            return new SpecPlan(BundleSpec.read(spec), "linux/amd64");
        }
        throw InstallerException.invalidInput("no bundle found", "pass --bundle FILE");
    }
}
