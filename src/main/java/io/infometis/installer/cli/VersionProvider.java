package io.infometis.installer.cli;

import org.eclipse.microprofile.config.ConfigProvider;

import picocli.CommandLine;

/** {@code -V}/{@code --version} on every command: the same first line as {@code infometis version}. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version;
        try {
            version = ConfigProvider.getConfig().getOptionalValue("quarkus.application.version", String.class).orElse("dev");
        } catch (RuntimeException noConfigYet) {
            version = "dev";
        }
        return new String[] { "infometis " + version };
    }

    /** Sets the provider on {@code cmd} and every subcommand (picocli's -V reads the command it was given to). */
    static void install(CommandLine cmd, CommandLine.IVersionProvider provider) {
        cmd.getCommandSpec().versionProvider(provider);
        cmd.getSubcommands().values().forEach(sub -> install(sub, provider));
    }
}
