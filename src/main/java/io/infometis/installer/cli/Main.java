package io.infometis.installer.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import io.infometis.installer.progress.api.ApiAccess;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import picocli.CommandLine;

/**
 * The entry point. Only the commands that change the host ({@code install}, {@code upgrade}, {@code rollback}) serve
 * HTTP: every other command starts Quarkus with no listener, so two CLIs never collide on a port. The API's port
 * and address come from {@code --api-port}/{@code --api-bind}, and a taken port or a held lock is reported before
 * Quarkus starts.
 */
@QuarkusMain
public class Main implements QuarkusApplication {
    @Inject
    CommandLine.IFactory factory;

    /** Set by {@link #main} when {@code install} must stop before it starts: the exit code to return. */
    static final String EARLY_EXIT = "infometis.early-exit";
    private static final List<String> PROPERTIES_SET_HERE = List.of(EARLY_EXIT, "quarkus.http.host-enabled",
            "quarkus.http.port", "quarkus.http.host", ApiAccess.TOKEN_FILE_PROPERTY,
            ApiAccess.OPEN_PROPERTY);

    public static void main(String... args) {
        // Tests launch this in their own JVM, many times: restore what is set here, and never System.exit.
        Map<String, String> before = new HashMap<>();
        PROPERTIES_SET_HERE.forEach(k -> before.put(k, System.getProperty(k)));
        try {
            if (args.length > 0 && EarlyApiChecks.SERVING.contains(args[0])) {
                int early = EarlyApiChecks.run(args);
                if (early >= 0) {
                    System.setProperty(EARLY_EXIT, Integer.toString(early));
                    System.setProperty("quarkus.http.host-enabled", "false");
                }
            } else {
                System.setProperty("quarkus.http.host-enabled", "false");
            }
            Quarkus.run(Main.class, args);
        } finally {
            before.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
        }
    }

    @Override
    public int run(String... args) {
        String early = System.getProperty(EARLY_EXIT);
        if (early != null) {
            // EarlyApiChecks has printed the one ERROR line.
            return Integer.parseInt(early);
        }
        return commandLine(factory).execute(args);
    }

    public static CommandLine commandLine(CommandLine.IFactory factory) {
        ErrorHandler handler = new ErrorHandler();
        CommandLine cmd = new CommandLine(InfometisCommand.class, factory)
                .setExecutionExceptionHandler(handler)
                .setParameterExceptionHandler(handler)
                .setCaseInsensitiveEnumValuesAllowed(true);
        VersionProvider.install(cmd, new VersionProvider());
        return cmd;
    }
}
