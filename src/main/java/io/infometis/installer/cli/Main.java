package io.infometis.installer.cli;

import jakarta.inject.Inject;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import picocli.CommandLine;

/**
 * The entry point. Only {@code install} serves HTTP: every other command starts Quarkus with no listener, so
 * two CLIs never collide on a port. For {@code install} the API's port and address come from
 * {@code --api-port}/{@code --api-bind}, and a taken port or a held lock is reported before Quarkus starts.
 */
@QuarkusMain
public class Main implements QuarkusApplication {
    @Inject
    CommandLine.IFactory factory;

    public static void main(String... args) {
        if (args.length > 0 && "install".equals(args[0])) {
            int early = EarlyInstallChecks.run(args);
            if (early >= 0) {
                System.exit(early);
            }
        } else {
            System.setProperty("quarkus.http.host-enabled", "false");
        }
        Quarkus.run(Main.class, args);
    }

    @Override
    public int run(String... args) {
        return commandLine(factory).execute(args);
    }

    public static CommandLine commandLine(CommandLine.IFactory factory) {
        ErrorHandler handler = new ErrorHandler();
        return new CommandLine(InfometisCommand.class, factory)
                .setExecutionExceptionHandler(handler)
                .setParameterExceptionHandler(handler)
                .setCaseInsensitiveEnumValuesAllowed(true);
    }
}
