package io.infometis.installer.cli;

import io.infometis.installer.ExitCodes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import io.infometis.installer.host.HostPaths;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.Mounts;
import io.infometis.installer.install.InstallLock;
import io.infometis.installer.install.LockFiles;
import io.infometis.installer.uninstall.UninstallOptions;
import io.infometis.installer.uninstall.Uninstaller;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "uninstall", mixinStandardHelpOptions = true,
        description = "Stop and reset k0s and remove what the installer wrote; the volumes' data stays unless --purge-data.")
public class UninstallCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    VerboseMixin verbose;

    @Mixin
    InstalledHostMixin host;
    @Option(names = "--volumes-dir", paramLabel = "DIR", description = "Where the install put the volumes (default: ${DEFAULT-VALUE}).", defaultValue = HostPaths.VOLUMES_DIR)
    String volumesDir;
    @Option(names = "--purge-data", description = "Also delete the volumes' data (Kafka topics, Elasticsearch indices, ...). Irreversible.")
    boolean purgeData;
    @Option(names = "--dry-run", description = "Print the plan; change nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        Path root = host.paths().root();
        InstallCommand.checkVolumesDir(volumesDir);
        PrintWriter out = spec.commandLine().getOut();
        UninstallOptions options = new UninstallOptions(root, host.stateDir, volumesDir, purgeData, dryRun, 5, Duration.ofSeconds(1));
        K0sCli k0s = new K0sCli(HostPaths.of(root).k0sBinary(), Duration.ofMinutes(5));
        try (InstallLock lock = InstallLock.acquire(LockFiles.lockFile(root, dryRun))) {
            new Uninstaller(options, k0s, Mounts.live(), line -> {
                out.println(line);
                out.flush();
            }).run();
        }
        out.println(dryRun ? "Dry run finished: nothing was changed." : "Uninstalled." + (purgeData ? "" : " Volume data kept in " + volumesDir + "."));
        return ExitCodes.DONE;
    }
}
