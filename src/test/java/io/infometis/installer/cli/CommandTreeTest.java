package io.infometis.installer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** A run of one subcommand builds only that branch (Main.commandLine): it must be the same branch as in the tree. */
class CommandTreeTest {
    private static final CommandLine.IFactory FACTORY = CommandLine.defaultFactory();

    @Test
    void everySubcommandAloneIsTheSameCommandAsInTheWholeTree() {
        CommandLine whole = Main.commandLine(FACTORY);
        assertEquals(11, whole.getSubcommands().size(), whole.getSubcommands().keySet().toString());
        for (Map.Entry<String, CommandLine> e : whole.getSubcommands().entrySet()) {
            CommandLine alone = Main.commandLine(FACTORY, e.getKey(), "--help");
            assertEquals(List.of(e.getKey()), List.copyOf(alone.getSubcommands().keySet()), e.getKey());
            assertEquals(describe(e.getValue()), describe(alone.getSubcommands().get(e.getKey())), e.getKey());
            assertEquals(e.getValue().getUsageMessage(), alone.getSubcommands().get(e.getKey()).getUsageMessage(), e.getKey());
            assertNotNull(alone.getSubcommands().get(e.getKey()).getCommandSpec().versionProvider(), e.getKey());
        }
    }

    @Test
    void anythingButASubcommandGetsTheWholeTree() {
        for (String first : List.of("--help", "-V", "instal", "")) {
            assertEquals(11, Main.commandLine(FACTORY, first).getSubcommands().size(), first);
        }
    }

    /** A command and its nested subcommands: qualified names, options with their arity and defaults, positionals. */
    private static Map<String, String> describe(CommandLine cmd) {
        Map<String, String> out = new TreeMap<>();
        CommandSpec spec = cmd.getCommandSpec();
        StringBuilder s = new StringBuilder();
        for (OptionSpec o : spec.options()) {
            s.append(String.join("|", o.names())).append(' ').append(o.arity()).append(' ')
                    .append(o.defaultValue()).append(' ').append(o.required()).append(';');
        }
        spec.positionalParameters().forEach(p -> s.append(p.paramLabel()).append(' ').append(p.arity()).append(';'));
        out.put(spec.qualifiedName(), s.toString());
        cmd.getSubcommands().values().forEach(sub -> out.putAll(describe(sub)));
        return out;
    }
}
