package io.infometis.installer.cli;

import io.infometis.installer.ExitCodes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;

/** The real entry point, launched in-process: output and exit codes. */
@QuarkusMainTest
class CliTest {

    private static List<String> errorLines(LaunchResult r) {
        return r.getErrorStream().stream().filter(l -> l.startsWith("ERROR:")).toList();
    }

    @Test
    @Launch("version")
    void printsTheVersion(LaunchResult r) {
        List<String> lines = r.getOutput().lines().toList();
        assertEquals(2, lines.size(), r.getOutput());
        assertTrue(lines.get(0).matches("infometis \\S+"), r.getOutput());
        // Run from the build, not the executable: the runtime line says so (the executable's is in FreshServerIT).
        assertTrue(lines.get(1).startsWith("runtime: Java " + Runtime.version()), r.getOutput());
        assertTrue(lines.get(1).endsWith("(not the self-contained executable)"), r.getOutput());
    }

    @Test
    void everyCommandHasHelp(QuarkusMainLauncher launcher) {
        for (String command : List.of("install", "status", "version")) {
            LaunchResult r = launcher.launch(command, "--help");
            assertEquals(0, r.exitCode(), command);
            assertTrue(r.getOutput().startsWith("Usage: infometis " + command), r.getOutput());
        }
        LaunchResult top = launcher.launch("--help");
        assertEquals(0, top.exitCode());
        assertTrue(top.getOutput().contains("install") && top.getOutput().contains("status"), top.getOutput());
    }

    @Test
    void aWrongFlagIsInvalidInputWithOneErrorLine(QuarkusMainLauncher launcher) {
        for (String[] args : List.of(new String[] { "install", "--bogus" }, new String[] { "status", "--url" },
                new String[] { "install", "--linger", "soon" }, new String[] { "frobnicate" })) {
            LaunchResult r = launcher.launch(args);
            assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), String.join(" ", args));
            assertEquals(1, errorLines(r).size(), r.getErrorOutput());
            assertTrue(errorLines(r).get(0).contains(" — "), "says what to do next: " + errorLines(r));
            assertEquals(1, r.getErrorStream().stream().filter(l -> !l.isBlank()).count(), r.getErrorOutput());
        }
    }

    @Test
    void aDryRunPrintsThePlanAndLeavesTheRootEmpty(QuarkusMainLauncher launcher, @TempDir Path root) throws Exception {
        LaunchResult r = launcher.launch("install", "--dry-run", "--root", root.toString(), "--api-port", "0", "--linger", "0");
        assertEquals(0, r.exitCode(), r.getOutput() + r.getErrorOutput());
        String out = r.getOutput();
        assertTrue(out.contains("==> Check the host before changing it"), out);
        assertTrue(out.contains("plan: write " + root.resolve("var/lib/infometis/preflight.json")), out);
        assertTrue(out.contains("Dry run finished: nothing was changed."), out);
        try (Stream<Path> s = Files.list(root)) {
            assertEquals(List.of(), s.toList());
        }
    }

    @Test
    void installRefusesARootThatIsNoDirectory(QuarkusMainLauncher launcher, @TempDir Path dir) {
        LaunchResult r = launcher.launch("install", "--dry-run", "--root", dir.resolve("missing").toString(), "--api-port", "0", "--linger", "0");
        assertEquals(ExitCodes.INVALID_INPUT, r.exitCode());
        assertEquals(List.of("ERROR: --root " + dir.resolve("missing") + " is not a directory — create it or fix the path"),
                errorLines(r));
        assertTrue(Files.notExists(dir.resolve("missing")));
    }

    @Test
    void statusAgainstAnUnreachableApiExitsFive(QuarkusMainLauncher launcher) {
        LaunchResult r = launcher.launch("status", "--url", "http://127.0.0.1:1", "--timeout", "1s");
        assertEquals(ExitCodes.API_UNREACHABLE, r.exitCode());
        assertEquals(1, errorLines(r).size(), r.getErrorOutput());
        assertTrue(errorLines(r).get(0).contains("unreachable") && errorLines(r).get(0).contains("--timeout"),
                errorLines(r).get(0));
    }
}
