package io.infometis.installer.progress.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import io.infometis.installer.Json;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.Progress.PhaseSpec;
import io.infometis.installer.progress.Severity;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.FakeProgressApi;
import io.infometis.installer.upgrade.History;
import io.infometis.installer.upgrade.InstalledRecord;

/** {@code status} against a fake progress API whose install moves on between polls. */
class StatusPrinterTest {

    /** An install of phases a and b: 1,200 events in a (several pages), then b, then success. */
    private static List<Consumer<Progress>> script() {
        List<Consumer<Progress>> steps = new ArrayList<>();
        steps.add(p -> {
            p.start(List.of(new PhaseSpec("a", "Phase A", 1), new PhaseSpec("b", "Phase B", 1)), false);
            p.registerUnits("a", List.of("a1", "a2"));
            p.phaseStarted("a");
        });
        steps.add(p -> {
            for (int i = 0; i < 1200; i++) {
                p.event(Severity.INFO, "a", "line " + i);
            }
            p.unitStarted("a", "a1");
            p.unitFinished("a", "a1", State.SUCCEEDED, null);
        });
        steps.add(p -> {
            // Nothing happens between these two polls.
        });
        steps.add(p -> {
            p.unitFinished("a", "a2", State.SUCCEEDED, null);
            p.phaseFinished("a", State.SUCCEEDED, null);
            p.phaseStarted("b");
        });
        steps.add(p -> {
            p.phaseFinished("b", State.SUCCEEDED, null);
            p.finish(State.SUCCEEDED, null);
        });
        return steps;
    }

    private static String watch(FakeProgressApi api, boolean json, boolean terminal, State expected) throws Exception {
        StringWriter sw = new StringWriter();
        StatusPrinter printer = new StatusPrinter(new PrintWriter(sw), json, terminal).pollEvery(Duration.ofMillis(10));
        assertEquals(expected, printer.watch(new ProgressClient(api.url(), null), Duration.ofSeconds(5)));
        return sw.toString();
    }

    @Test
    void watchPrintsEveryEventExactlyOnceInOrder() throws Exception {
        try (FakeProgressApi api = new FakeProgressApi(script())) {
            String out = watch(api, false, false, State.SUCCEEDED);
            List<String> eventLines = Arrays.stream(out.split("\n")).filter(l -> l.matches("\\d{4}-.*")).toList();
            long total = api.progress().snapshot().lastEventSeq();
            assertEquals(total, eventLines.size(), "one line per event");
            List<String> expected = api.progress().events(0, 1000).events().stream().map(StatusPrinter::eventLine).toList();
            assertEquals(expected, eventLines.subList(0, expected.size()));
            assertTrue(eventLines.get(eventLines.size() - 1).endsWith("install succeeded"), "the final event is not lost");
        }
    }

    @Test
    void withoutATerminalOnlyChangedLinesArePrinted() throws Exception {
        try (FakeProgressApi api = new FakeProgressApi(script())) {
            String out = watch(api, false, false, State.SUCCEEDED);
            List<String> lines = Arrays.asList(out.split("\n"));
            assertFalse(out.contains("\033["), "no escape codes without a terminal");
            // b stays Pending over three polls: its line is printed once, then again only when it changes.
            assertEquals(1, lines.stream().filter(l -> l.matches("  b +Pending .*")).count(), out);
            assertEquals(1, lines.stream().filter(l -> l.matches("  b +Running .*")).count(), out);
            assertEquals(1, lines.stream().filter(l -> l.matches("  b +Succeeded .*")).count(), out);
            assertEquals(1, lines.stream().filter(l -> l.matches("  a +Running +0/2 .*")).count(), out);
            assertEquals(1, lines.stream().filter(l -> l.startsWith("install Succeeded 100%")).count(), out);
        }
    }

    @Test
    void onATerminalTheTableIsRedrawnInPlace() throws Exception {
        try (FakeProgressApi api = new FakeProgressApi(script())) {
            String out = watch(api, false, true, State.SUCCEEDED);
            int tableLines = 3; // the header and two phases
            String redraw = "\033[" + tableLines + "F\033[J";
            // Drawn at the first poll, then redrawn at every poll that brought a change (3 of the 4 later ones).
            assertEquals(3, out.split(java.util.regex.Pattern.quote(redraw), -1).length - 1, out.replace("\033", "ESC"));
            String last = out.substring(out.lastIndexOf(redraw) + redraw.length());
            assertTrue(last.contains("install Succeeded 100%"), last);
            assertTrue(last.endsWith("  b          Succeeded    Phase B\n"), last.replace("\033", "ESC"));
            assertEquals(api.progress().snapshot().lastEventSeq(),
                    Arrays.stream(out.split("\n")).filter(l -> l.matches("(\033\\[3F\033\\[J)?\\d{4}-.*")).count());
        }
    }

    @Test
    void jsonWatchPrintsEachEventAsOneJsonLine() throws Exception {
        try (FakeProgressApi api = new FakeProgressApi(script())) {
            String out = watch(api, true, false, State.SUCCEEDED);
            String[] lines = out.split("\n");
            assertEquals(api.progress().snapshot().lastEventSeq(), lines.length);
            for (int i = 0; i < lines.length; i++) {
                assertEquals(i + 1, Json.MAPPER.readTree(lines[i]).get("seq").asLong());
            }
        }
    }

    @Test
    void aFailedInstallEndsTheWatchWithItsError() throws Exception {
        List<Consumer<Progress>> steps = List.of(p -> {
            p.start(List.of(new PhaseSpec("a", "Phase A", 1)), false);
            p.phaseStarted("a");
        }, p -> {
            p.phaseFinished("a", State.FAILED, "boom");
            p.finish(State.FAILED, new io.infometis.installer.progress.ProgressSnapshot.Failure("a", "a: boom", "fix it"));
        });
        try (FakeProgressApi api = new FakeProgressApi(steps)) {
            String out = watch(api, false, false, State.FAILED);
            assertTrue(out.contains("ERROR: a: boom — fix it"), out);
        }
    }

    @Test
    void oncePrintsThePhasesAndThePercent() throws Exception {
        try (FakeProgressApi api = new FakeProgressApi(script().subList(0, 2))) {
            api.progress(); // script step 0 runs on the first request
            StringWriter sw = new StringWriter();
            State s = new StatusPrinter(new PrintWriter(sw), false, false).once(new ProgressClient(api.url(), null),
                    Duration.ofSeconds(5));
            assertEquals(State.RUNNING, s);
            assertEquals(List.of("install Running 0% — a: Phase A", "  a          Running     0/2  Phase A",
                    "  b          Pending      Phase B"), Arrays.asList(sw.toString().split("\n")));
        }
    }

    @Test
    void onceShowsWhatIsInstalledThereAndItsHistory() throws Exception {
        var v1 = new InstalledRecord.Installed("infometis", "1.0.0", "sha256:" + "a".repeat(64), "v1.33.4+k0s.0",
                List.of(), java.util.Map.of(), java.time.Instant.parse("2026-11-30T10:00:00Z"));
        var v2 = new InstalledRecord.Installed("infometis", "2.0.0", "sha256:" + "b".repeat(64), "v1.34.1+k0s.0",
                List.of(), java.util.Map.of(), java.time.Instant.parse("2026-12-01T10:00:00Z"));
        List<History.Entry> history = List.of(
                new History.Entry(v1.at(), "install", null, v1.label(), "succeeded", null),
                new History.Entry(v2.at(), "upgrade", v1.label(), v2.label(), "rolled back", "kafka: CrashLoopBackOff"));
        try (FakeProgressApi api = new FakeProgressApi(script().subList(0, 1))) {
            api.serveInstalled(java.util.Map.of("installed", new InstalledRecord(InstalledRecord.FORMAT_VERSION, v2, v1),
                    "history", history));
            StringWriter sw = new StringWriter();
            new StatusPrinter(new PrintWriter(sw), false, false).once(new ProgressClient(api.url(), null), Duration.ofSeconds(5));
            List<String> lines = Arrays.asList(sw.toString().split("\n"));
            assertEquals(List.of("installed: infometis 2.0.0 (sha256:bbbbbbbbbbbb), k0s v1.34.1+k0s.0",
                    "rollback target: infometis 1.0.0 (sha256:aaaaaaaaaaaa)",
                    "2026-11-30T10:00:00Z install infometis 1.0.0 (sha256:aaaaaaaaaaaa): succeeded",
                    "2026-12-01T10:00:00Z upgrade infometis 1.0.0 (sha256:aaaaaaaaaaaa) → infometis 2.0.0 (sha256:bbbbbbbbbbbb): "
                            + "rolled back (kafka: CrashLoopBackOff)"),
                    lines.subList(lines.size() - 4, lines.size()));
        }
    }

    @Test
    void controlCharactersFromTheApiNeverReachTheTerminal() throws Exception {
        var hostile = new InstalledRecord.Installed("evil\u001b[2J\nERROR: forged", "1.0.0", "sha256:" + "a".repeat(64),
                "v1.33.4+k0s.0", List.of(), java.util.Map.of(), java.time.Instant.EPOCH);
        List<Consumer<Progress>> steps = List.of(p -> {
            p.start(List.of(new PhaseSpec("a", "Phase A", 1)), false);
            p.phaseStarted("a");
            p.event(Severity.INFO, "a", "bell\u0007 and \u001b]0;title\u0007");
        }, p -> {
            p.phaseFinished("a", State.SUCCEEDED, null);
            p.finish(State.SUCCEEDED, null);
        });
        try (FakeProgressApi api = new FakeProgressApi(steps)) {
            api.serveInstalled(java.util.Map.of("installed", new InstalledRecord(InstalledRecord.FORMAT_VERSION, hostile, null),
                    "history", List.of()));
            StringWriter once = new StringWriter();
            new StatusPrinter(new PrintWriter(once), false, true).once(new ProgressClient(api.url(), null), Duration.ofSeconds(5));
            assertTrue(once.toString().contains("installed: evil\\u001b[2J\\nERROR: forged 1.0.0"), once.toString());
            assertFalse(once.toString().lines().anyMatch(l -> l.startsWith("ERROR: forged")), once.toString());
            assertTrue(once.toString().chars().noneMatch(c -> c == 0x1b || c == 0x07), once.toString());
        }
        try (FakeProgressApi api = new FakeProgressApi(steps)) {
            StringWriter watched = new StringWriter();
            StatusPrinter printer = new StatusPrinter(new PrintWriter(watched), false, false).pollEvery(Duration.ofMillis(10));
            printer.watch(new ProgressClient(api.url(), null), Duration.ofSeconds(5));
            assertTrue(watched.toString().contains("bell\\u0007 and \\u001b]0;title\\u0007"), watched.toString());
            assertTrue(watched.toString().chars().noneMatch(c -> c == 0x1b || c == 0x07), watched.toString());
        }
    }

    @Test
    void aBundleAcceptedWithoutAVerifiedSignatureIsAWarningLine() {
        Progress p = new Progress();
        p.start(List.of(new PhaseSpec("a", "Phase A", 1)), false);
        p.setBundleTrust("unsigned-allowed", "unsigned, accepted because of --allow-unsigned (trusted key k.pub)");
        List<String> lines = StatusPrinter.render(p.snapshot());
        assertEquals("WARNING: bundle signature unsigned-allowed: unsigned, accepted because of --allow-unsigned (trusted key k.pub)",
                lines.get(1));
        p.setBundleTrust("verified", "signature good (trusted key k.pub)");
        assertFalse(String.join("\n", StatusPrinter.render(p.snapshot())).contains("WARNING"));
    }

    @Test
    void theTokenComesFromTheFlagTheFileTheEnvironmentOrTheLocalFileInThatOrder() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("token");
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("f"), "from-file\n");
        java.nio.file.Path local = java.nio.file.Files.writeString(dir.resolve("api-token"), "from-local\n");
        java.net.URI here = java.net.URI.create("http://127.0.0.1:9090");
        java.net.URI there = java.net.URI.create("http://10.0.0.5:9090");
        assertEquals("flag", TokenSource.resolve("flag", file, "env", here, local));
        assertEquals("from-file", TokenSource.resolve(null, file, "env", here, local));
        assertEquals("env", TokenSource.resolve(null, null, "env", here, local));
        assertEquals("from-local", TokenSource.resolve(null, null, null, here, local));
        assertEquals("from-local", TokenSource.resolve(null, null, "", java.net.URI.create("http://localhost:9090"), local));
        assertEquals("from-local", TokenSource.resolve(null, null, null, java.net.URI.create("http://[::1]:9090"), local));
        assertEquals(null, TokenSource.resolve(null, null, null, there, local), "another host never gets the local token");
        assertEquals(null, TokenSource.resolve(null, null, null, java.net.URI.create("http://localhost.evil.example:9090"), local));
        assertEquals(null, TokenSource.resolve(null, null, null, here, dir.resolve("absent")));
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.infometis.installer.InstallerException.class,
                () -> TokenSource.resolve(null, java.nio.file.Path.of("/dev/zero"), null, here, local));
        assertEquals(2, e.exitCode());
    }
}
