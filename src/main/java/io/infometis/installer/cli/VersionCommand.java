package io.infometis.installer.cli;

import io.infometis.installer.ExitCodes;
import java.util.concurrent.Callable;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "version", description = "Print the installer's version.", mixinStandardHelpOptions = true)
public class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    VerboseMixin verbose;
    @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev")
    String version;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println("infometis " + version);
        return ExitCodes.DONE;
    }
}
