package io.infometis.installer.cli;

import io.infometis.installer.ExitCodes;
import java.util.concurrent.Callable;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "version", description = "Print the installer's version and the Java runtime it runs on.",
        mixinStandardHelpOptions = true)
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
        spec.commandLine().getOut().println("runtime: " + runtime());
        return ExitCodes.DONE;
    }

    /**
     * Which runtime this is: the self-contained executable's launcher passes {@code infometis.runtime}, baked in at
     * build time (src/exe/build-exe.sh). Whether the JVM mapped its AOT cache or CDS archive shows in
     * {@code java.vm.info} ("sharing"), so a cache the JVM refused is reported, not assumed.
     */
    static String runtime() {
        boolean sharing = System.getProperty("java.vm.info", "").contains("sharing");
        String baked = System.getProperty("infometis.runtime");
        if (baked == null) {
            return "Java " + Runtime.version() + " from " + System.getProperty("java.home") + " (not the self-contained executable)";
        }
        return baked + (sharing ? " in use" : " NOT in use (the JVM refused it; INFOMETIS_JAVA_OPTS=-Xlog:aot shows why)");
    }
}
