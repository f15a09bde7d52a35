package io.infometis.installer.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;

@TopCommand
@Command(name = "infometis", mixinStandardHelpOptions = true,
        description = "Installs the InfoMetis Kafka platform on an air-gapped Linux server and reports its progress.",
        subcommands = { InstallCommand.class, UninstallCommand.class, StatusCommand.class, VerifyCommand.class,
                SupportBundleCommand.class, VersionCommand.class, BundleCommand.class, IsoCommand.class,
                UpgradeCommand.class, RollbackCommand.class, InstalledCommand.class })
public class InfometisCommand {
}
