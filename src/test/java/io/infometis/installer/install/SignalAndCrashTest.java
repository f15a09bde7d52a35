package io.infometis.installer.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.infometis.installer.host.HostPaths;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.FakeHost;
import io.infometis.installer.testing.FakePhase;
import io.infometis.installer.testing.SlowInstall;

/** Real signals and a real kill -9, sent to a child JVM running the engine with fake phases. */
class SignalAndCrashTest {
    @TempDir
    Path root;

    /**
     * The child starts with SIGINT and SIGTERM at their default disposition, whatever this JVM inherited. A build
     * started in the background (a non-interactive shell's {@code mvn … &}) runs with SIGINT ignored; a child inherits
     * that, and a JVM that starts with SIGINT ignored never installs its handler, so {@code kill -INT} did nothing and
     * the SIGINT case failed. {@code trap - INT} in a shell cannot undo it (POSIX: a signal ignored on entry to a
     * non-interactive shell cannot be reset); coreutils' {@code env --default-signal} (8.31+) can.
     */
    private static Process child(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=INT,TERM",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SlowInstall.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static void awaitReady(Process p, BufferedReader out) throws IOException {
        String line;
        while ((line = out.readLine()) != null) {
            if (line.equals("READY")) {
                return;
            }
        }
        throw new AssertionError("child ended before READY, exit " + p.exitValue());
    }

    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = { "TERM", "INT" })
    void aSignalMarksThePhaseInterruptedAndARerunFinishesTheRest(String signal) throws Exception {
        Process p = child("install", root.toString());
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        awaitReady(p, out);
        assertTrue(catches(p.pid(), signal), "the child's JVM has its SIG" + signal + " handler installed (/proc/PID/status SigCgt)");
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor());
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the child exits after the signal");
        assertEquals(130, p.exitValue(), "the documented code for an interrupted install, whatever the signal");

        Journal j = Journal.open(HostPaths.of(root).journalFile(), true);
        assertEquals(State.INTERRUPTED, j.state());
        assertEquals(State.SUCCEEDED, j.phaseState("first"));
        assertEquals(State.INTERRUPTED, j.phaseState("slow"));
        assertEquals(State.PENDING, j.phaseState("last"));
        Map<String, Journal.UnitRecord> units = j.units("slow");
        assertTrue(units.size() >= 3 && units.size() < 200, "stopped part-way: " + units.size());
        assertTrue(units.values().stream().allMatch(u -> u.state() == State.SUCCEEDED), "no unit left Running");

        // The rerun (on a host that has the recorded units) does only the rest.
        FakeHost setUp = new FakeHost();
        setUp.apply("first", "f1");
        units.keySet().forEach(u -> setUp.apply("slow", u));
        FakeHost host = setUp.copy();
        List<String> all = new ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            all.add("u" + i);
        }
        var outcome = new Installer(InstallOptions.under(root), new Progress()).run(List.of(
                new FakePhase("first", List.of("f1"), host), new FakePhase("slow", all, host),
                new FakePhase("last", List.of(), host)), null);
        assertEquals(State.SUCCEEDED, outcome.state());
        assertEquals(200 - units.size() + 1, host.log().size());
        assertTrue(host.log().stream().noneMatch(w -> w.equals("first/f1")));
    }

    /** True when the process has a handler for the signal: its bit in SigCgt of /proc/PID/status. */
    static boolean catches(long pid, String signal) throws IOException {
        int number = signal.equals("INT") ? 2 : signal.equals("TERM") ? 15 : -1;
        String caught = java.nio.file.Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(l -> l.startsWith("SigCgt:")).findFirst().orElseThrow().substring("SigCgt:".length()).trim();
        return new java.math.BigInteger(caught, 16).testBit(number - 1);
    }

    @Test
    void aKilledWriterNeverLeavesHalfAJournal() throws Exception {
        Path file = root.resolve("journal.json");
        for (int round = 0; round < 3; round++) {
            Process p = child("journal", file.toString());
            awaitReady(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
            Thread.sleep(200 + round * 150);
            p.destroyForcibly(); // SIGKILL: no hook, no finally
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            assertNotEquals(0, p.exitValue());
            Journal j = Journal.open(file, true);
            assertEquals(State.RUNNING, j.state(), "round " + round);
            assertTrue(j.units("images").size() > 0);
        }
    }
}
