package io.infometis.installer.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.Json;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.upgrade.History;
import io.infometis.installer.upgrade.InstalledRecord;
import io.infometis.installer.upgrade.InstalledReport;
import io.infometis.installer.upgrade.InstalledState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "installed", mixinStandardHelpOptions = true,
        description = "Show which bundle is installed here, the rollback target, and the history of installs, upgrades and rollbacks.")
public class InstalledCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    VerboseMixin verbose;

    @Option(names = "--root", paramLabel = "DIR", description = "The root the install used (default: ${DEFAULT-VALUE}).", defaultValue = "/")
    Path root;
    @Option(names = "--state-dir", paramLabel = "DIR", description = "The install's state dir (default: <root>/var/lib/infometis).")
    Path stateDir;
    @Option(names = "--output", paramLabel = "FORMAT", description = "text or json (default: ${DEFAULT-VALUE}).", defaultValue = "text")
    String output;

    @Override
    public Integer call() throws Exception {
        if (!output.equals("text") && !output.equals("json")) {
            throw InstallerException.invalidInput("--output " + output + " is not a format", "use text or json");
        }
        if (!Files.isDirectory(root)) {
            throw InstallerException.invalidInput("--root " + root + " is not a directory", "fix the path");
        }
        InstalledState state = new InstalledState(new HostPaths(root, stateDir).stateDir(), new HostGate(true, a -> {
        }));
        InstalledRecord record = state.read().orElseThrow(() -> InstallerException.invalidInput(
                "no install record in " + state.recordFile(), "install with 'infometis install' first"));
        History history = state.history();
        PrintWriter out = spec.commandLine().getOut();
        if (output.equals("json")) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("installed", record);
            doc.put("history", history.entries());
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
        } else {
            new InstalledReport(record, history.entries()).lines().forEach(out::println);
        }
        out.flush();
        return ExitCodes.DONE;
    }
}
