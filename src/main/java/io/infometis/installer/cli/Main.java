package io.infometis.installer.cli;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import io.infometis.installer.progress.api.ApiAccess;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

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
        return commandLine(factory, args).execute(args);
    }

    /** The whole command tree. */
    public static CommandLine commandLine(CommandLine.IFactory factory) {
        return commandLine(factory, new String[0]);
    }

    /**
     * The command tree for these arguments: when the first names a subcommand, the root holds that one only.
     * Picocli builds a command's model by reflecting over its annotations, and a root's whole tree at once; for
     * {@code install} that was a fifth of the start-up's CPU, twice (the early API checks, then the run). Anything
     * else (no command, the root's help, a misspelt command) gets the whole tree, for the usage and suggestions.
     */
    public static CommandLine commandLine(CommandLine.IFactory factory, String... args) {
        ErrorHandler handler = new ErrorHandler();
        CommandLine cmd = args.length > 0 ? withOnly(args[0], factory) : null;
        if (cmd == null) {
            cmd = new CommandLine(InfometisCommand.class, factory);
        }
        cmd.setExecutionExceptionHandler(handler)
                .setParameterExceptionHandler(handler)
                .setCaseInsensitiveEnumValuesAllowed(true);
        VersionProvider.install(cmd, new VersionProvider());
        return cmd;
    }

    /** The root as {@link InfometisCommand} declares it, with only the subcommand named {@code name}; else null. */
    private static CommandLine withOnly(String name, CommandLine.IFactory factory) {
        Command root = InfometisCommand.class.getAnnotation(Command.class);
        for (Class<?> sub : root.subcommands()) {
            Command c = sub.getAnnotation(Command.class);
            if (c.name().equals(name) || Arrays.asList(c.aliases()).contains(name)) {
                CommandSpec spec = CommandSpec.create().name(root.name())
                        .mixinStandardHelpOptions(root.mixinStandardHelpOptions());
                spec.usageMessage().description(root.description());
                return new CommandLine(spec, factory).addSubcommand(sub);
            }
        }
        return null;
    }
}
