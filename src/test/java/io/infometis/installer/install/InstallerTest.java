package io.infometis.installer.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.phase.Phase;
import io.infometis.installer.phase.PhaseContext;
import io.infometis.installer.phase.PhaseRunner;
import io.infometis.installer.phase.PhaseRunner.Outcome;
import io.infometis.installer.progress.Event;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.ProgressSnapshot;
import io.infometis.installer.progress.ProgressSnapshot.PhaseView;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.FakeHost;
import io.infometis.installer.testing.FakePhase;
import io.infometis.installer.testing.FakePhase.Boundary;

/** The engine with tiny fake phases: order, skip, failure, cancellation, --until, resume, rerun after success. */
class InstallerTest {
    @TempDir
    Path root;

    private Outcome install(InstallOptions options, Progress progress, Phase... phases) {
        return new Installer(options, progress).run(List.of(phases), null);
    }

    private Journal journal() {
        return Journal.open(paths().journalFile(), true);
    }

    private HostPaths paths() {
        return HostPaths.of(root);
    }

    private static PhaseView phase(ProgressSnapshot s, String name) {
        return s.phases().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void runsPhasesInTheirOrder() {
        FakeHost host = new FakeHost();
        Progress progress = new Progress();
        Outcome o = install(InstallOptions.under(root), progress, new FakePhase("b", List.of("b1", "b2"), host),
                new FakePhase("a", List.of(), host), new FakePhase("c", List.of("c1"), host));
        assertEquals(State.SUCCEEDED, o.state());
        assertEquals(ExitCodes.DONE, o.exitCode());
        assertEquals(List.of("b/b1", "b/b2", "a/*", "c/c1"), host.log());
        List<String> started = progress.events(0, 1000).events().stream().map(Event::message)
                .filter(m -> m.startsWith("==> ")).toList();
        assertEquals(List.of("==> Fake b", "==> Fake a", "==> Fake c"), started);
        assertEquals(100, progress.snapshot().percent());
        assertEquals(State.SUCCEEDED, journal().state());
        assertEquals(List.of("b", "a", "c"), new ArrayList<>(readRecord().phases().keySet()));
    }

    @Test
    void registersEveryPhaseAndUnitAsPendingBeforeAnyWork() throws Exception {
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Progress progress = new Progress();
        FakeHost host = new FakeHost();
        CompletableFuture<Outcome> run = CompletableFuture.supplyAsync(() -> install(InstallOptions.under(root), progress,
                new FakePhase("a", List.of("a1", "a2"), host).blockingAt("a1", blocked, release),
                new FakePhase("b", List.of("b1", "b2", "b3"), host)));
        assertTrue(blocked.await(10, TimeUnit.SECONDS));
        ProgressSnapshot s = progress.snapshot();
        assertEquals(State.RUNNING, phase(s, "a").state());
        assertEquals(State.PENDING, phase(s, "b").state());
        assertEquals(3, phase(s, "b").units().total());
        assertTrue(phase(s, "b").units().items().stream().allMatch(u -> u.state() == State.PENDING));
        release.countDown();
        assertEquals(State.SUCCEEDED, run.get(10, TimeUnit.SECONDS).state());
    }

    @Test
    void skipsAPhaseWhoseWorkIsAlreadyDone() {
        FakeHost host = new FakeHost();
        host.apply("a", "a1");
        host.apply("a", "a2");
        Progress progress = new Progress();
        Outcome o = install(InstallOptions.under(root), progress, new FakePhase("a", List.of("a1", "a2"), host),
                new FakePhase("b", List.of("b1"), host));
        assertEquals(State.SUCCEEDED, o.state());
        assertEquals(List.of("a/a1", "a/a2", "b/b1"), host.log(), "a's units were not applied again");
        assertEquals(State.SKIPPED, phase(progress.snapshot(), "a").state());
        assertEquals("already done", phase(progress.snapshot(), "a").message());
        assertEquals(State.SKIPPED, journal().phaseState("a"));
        assertFalse(o.alreadyDone(), "b still had work");
    }

    @Test
    void recordsAFailureWithItsHintAndStops() {
        FakeHost host = new FakeHost();
        Progress progress = new Progress();
        Outcome o = install(InstallOptions.under(root), progress,
                new FakePhase("a", List.of("a1", "a2", "a3"), host).failingAt("a2",
                        new InstallerException("importing a2: digest mismatch", "rebuild the bundle", ExitCodes.FAILED)),
                new FakePhase("b", List.of("b1"), host));
        assertEquals(State.FAILED, o.state());
        assertEquals(ExitCodes.FAILED, o.exitCode());
        assertEquals("a", o.failure().phase());
        assertEquals("importing a2: digest mismatch", o.failure().message());
        assertEquals("rebuild the bundle", o.failure().hint());
        ProgressSnapshot s = progress.snapshot();
        assertEquals(State.FAILED, s.state());
        assertEquals(o.failure(), s.error());
        assertEquals(State.FAILED, phase(s, "a").state());
        assertEquals(State.PENDING, phase(s, "b").state(), "nothing runs after a failure");
        assertTrue(s.percent() < 100);
        Journal j = journal();
        assertEquals(State.FAILED, j.state());
        assertEquals(State.FAILED, j.phaseState("a"));
        assertEquals(State.SUCCEEDED, j.unit("a", "a1").state());
        assertNull(j.unit("a", "a3"));
        assertEquals(List.of("a/a1"), host.log());
    }

    @Test
    void aPhaseFailureKeepsItsOwnExitCode() {
        Outcome o = install(InstallOptions.under(root), new Progress(),
                new FakePhase("a", List.of("a1"), new FakeHost()).failingAt("a1",
                        new InstallerException("preflight ports: 6443 in use", "stop it", ExitCodes.PREFLIGHT_REFUSED)));
        assertEquals(ExitCodes.PREFLIGHT_REFUSED, o.exitCode());
    }

    @Test
    void aPhasePastItsTimeoutFails() {
        Outcome o = install(InstallOptions.under(root), new Progress(),
                new FakePhase("slow", List.of("s1"), new FakeHost()).sleepingPerUnit(Duration.ofSeconds(30))
                        .withTimeout(Duration.ofMillis(300)));
        assertEquals(State.FAILED, o.state());
        assertEquals("slow: timed out after 0 s", o.failure().message());
        assertEquals(State.FAILED, journal().phaseState("slow"));
    }

    @Test
    void cancellingMarksTheCurrentPhaseInterruptedAndKeepsTheJournalConsistent() throws Exception {
        FakeHost host = new FakeHost();
        Progress progress = new Progress();
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        PhaseRunner[] runner = new PhaseRunner[1];
        List<Phase> phases = List.of(new FakePhase("a", List.of("a1"), host),
                new FakePhase("b", List.of("b1", "b2", "b3"), host).blockingAt("b2", blocked, never),
                new FakePhase("c", List.of("c1"), host));
        CompletableFuture<Outcome> run = CompletableFuture.supplyAsync(() -> {
            var paths = HostPaths.of(root);
            var ctx = new PhaseContext(InstallOptions.under(root), paths,
                    new HostGate(false, null), Journal.open(paths.journalFile(), false),
                    progress, null);
            // A grace of a day: the run can only end because the interrupt stopped the phase, never by abandoning it.
            runner[0] = new PhaseRunner(phases, Duration.ofDays(1));
            return runner[0].run(ctx);
        });
        assertTrue(blocked.await(60, TimeUnit.SECONDS));
        runner[0].cancel();
        Outcome o = run.get(60, TimeUnit.SECONDS); // a bound against a hang, not a measure of speed
        assertEquals(State.INTERRUPTED, o.state());
        assertEquals(ExitCodes.INTERRUPTED, o.exitCode());
        assertEquals("b", o.failure().phase());
        ProgressSnapshot s = progress.snapshot();
        assertEquals(State.INTERRUPTED, s.state());
        assertEquals(State.SUCCEEDED, phase(s, "a").state());
        assertEquals(State.INTERRUPTED, phase(s, "b").state());
        assertEquals(State.PENDING, phase(s, "c").state());
        assertTrue(s.phases().stream().noneMatch(p -> p.state() == State.RUNNING), "nothing left Running");
        Journal j = journal();
        assertEquals(State.INTERRUPTED, j.state());
        assertEquals(State.INTERRUPTED, j.phaseState("b"));
        assertEquals(State.SUCCEEDED, j.unit("b", "b1").state());
        assertNull(j.unit("b", "b2"), "the unit that was cut off is not recorded as done");
        assertEquals(State.PENDING, j.phaseState("c"));

        // The rerun resumes: b1 is not applied again, b2, b3 and c1 are.
        FakeHost after = host.copy();
        Outcome rerun = install(InstallOptions.under(root), new Progress(), new FakePhase("a", List.of("a1"), after),
                new FakePhase("b", List.of("b1", "b2", "b3"), after), new FakePhase("c", List.of("c1"), after));
        assertEquals(State.SUCCEEDED, rerun.state());
        assertEquals(List.of("b/b2", "b/b3", "c/c1"), after.log());
    }

    /** A phase stuck where no interrupt reaches (e.g. a blocking native call); it stops only when {@code stop} is set. */
    private static Phase stubborn(String name, CountDownLatch running, java.util.concurrent.atomic.AtomicBoolean stop,
            java.util.concurrent.atomic.AtomicBoolean returned) {
        return new Phase() {
            public String name() {
                return name;
            }

            public String title() {
                return "Ignores interrupts";
            }

            public void run(PhaseContext ctx) {
                running.countDown();
                while (!stop.get()) {
                    Thread.onSpinWait();
                }
                returned.set(true);
            }
        };
    }

    @Test
    void aPhaseThatIgnoresTheSignalIsAbandonedOnceTheGraceIsOver() throws Exception {
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        var returned = new java.util.concurrent.atomic.AtomicBoolean();
        CountDownLatch running = new CountDownLatch(1);
        var paths = HostPaths.of(root);
        var ctx = new PhaseContext(InstallOptions.under(root), paths, new HostGate(false, null),
                Journal.open(paths.journalFile(), false), new Progress(), null);
        PhaseRunner runner = new PhaseRunner(List.of(stubborn("stubborn", running, stop, returned)), Duration.ZERO);
        CompletableFuture<Outcome> run = CompletableFuture.supplyAsync(() -> runner.run(ctx));
        try {
            assertTrue(running.await(60, TimeUnit.SECONDS));
            runner.cancel();
            Outcome o = run.get(60, TimeUnit.SECONDS);
            assertEquals(State.INTERRUPTED, o.state());
            assertFalse(returned.get(), "abandoned: the phase was still running when the runner gave up on it");
            assertEquals(State.INTERRUPTED, journal().phaseState("stubborn"));
            assertEquals(State.INTERRUPTED, journal().state());
        } finally {
            stop.set(true);
        }
    }

    @Test
    void aPhaseThatStopsWithinTheGraceIsRecordedByWhatItReallyDid() throws Exception {
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        var returned = new java.util.concurrent.atomic.AtomicBoolean();
        CountDownLatch running = new CountDownLatch(1);
        FakeHost host = new FakeHost();
        var paths = HostPaths.of(root);
        var ctx = new PhaseContext(InstallOptions.under(root), paths, new HostGate(false, null),
                Journal.open(paths.journalFile(), false), new Progress(), null);
        PhaseRunner runner = new PhaseRunner(List.of(stubborn("slow-to-stop", running, stop, returned),
                new FakePhase("next", List.of("n1"), host)), Duration.ofDays(1));
        CompletableFuture<Outcome> run = CompletableFuture.supplyAsync(() -> runner.run(ctx));
        assertTrue(running.await(60, TimeUnit.SECONDS));
        runner.cancel();
        stop.set(true); // it ignores the interrupt, but finishes its work by itself within the grace
        Outcome o = run.get(60, TimeUnit.SECONDS);
        assertTrue(returned.get());
        assertEquals(State.INTERRUPTED, o.state(), "the run stops after it");
        assertEquals(State.SUCCEEDED, journal().phaseState("slow-to-stop"), "waited for, not abandoned");
        assertEquals(State.PENDING, journal().phaseState("next"));
        assertEquals(List.of(), host.log(), "nothing after the signal");
    }

    @Test
    void theSignalHookWaitsLongerThanTheRunnersGrace() {
        // The hook halts the JVM once the runner has written the journal; the runner abandons a stuck phase after its
        // grace. Were the grace the longer, the JVM would exit before the journal said Interrupted.
        assertTrue(PhaseRunner.CANCEL_GRACE.compareTo(Installer.SIGNAL_HOOK_WAIT) < 0);
    }

    @Test
    void cancellingBetweenUnitsStopsAtTheNextBoundary() throws Exception {
        FakeHost host = new FakeHost();
        PhaseRunner[] runner = new PhaseRunner[1];
        CountDownLatch twoDone = new CountDownLatch(1);
        FakePhase slow = new FakePhase("a", List.of("a1", "a2", "a3", "a4", "a5"), host).onBoundary((w, p, u, c) -> {
            if (w == Boundary.UNIT_RECORDED && "a2".equals(u)) {
                twoDone.countDown();
                runner[0].cancel(); // the signal lands between units: a3 must not start
            }
        });
        var paths = HostPaths.of(root);
        var ctx = new PhaseContext(InstallOptions.under(root), paths,
                new HostGate(false, null), Journal.open(paths.journalFile(), false),
                new Progress(), null);
        runner[0] = new PhaseRunner(List.of(slow));
        Outcome o = runner[0].run(ctx);
        assertEquals(State.INTERRUPTED, o.state());
        assertEquals(List.of("a/a1", "a/a2"), host.log());
        assertEquals(State.INTERRUPTED, journal().phaseState("a"));
    }

    @Test
    void untilStopsAfterTheNamedPhaseAndMarksTheRestSkipped() {
        FakeHost host = new FakeHost();
        Progress progress = new Progress();
        Outcome o = install(InstallOptions.under(root).withUntil("b"), progress, new FakePhase("a", List.of(), host),
                new FakePhase("b", List.of("b1"), host), new FakePhase("c", List.of("c1"), host),
                new FakePhase("d", List.of(), host));
        assertEquals(State.SUCCEEDED, o.state());
        assertEquals(List.of("a/*", "b/b1"), host.log());
        ProgressSnapshot s = progress.snapshot();
        assertEquals(State.SKIPPED, phase(s, "c").state());
        assertEquals(State.SKIPPED, phase(s, "d").state());
        assertEquals("after --until b", phase(s, "d").message());
        assertEquals(100, s.percent());
        assertEquals(State.PENDING, journal().phaseState("c"), "the journal keeps c to do, so a full run does it");

        FakeHost same = host.copy();
        Outcome full = install(InstallOptions.under(root), new Progress(), new FakePhase("a", List.of(), same),
                new FakePhase("b", List.of("b1"), same), new FakePhase("c", List.of("c1"), same),
                new FakePhase("d", List.of(), same));
        assertFalse(full.alreadyDone());
        assertEquals(List.of("c/c1", "d/*"), same.log());
    }

    @Test
    void anUnknownUntilPhaseIsInvalidInputAndTouchesNothing() {
        InstallerException e = assertThrows(InstallerException.class, () -> install(
                InstallOptions.under(root).withUntil("nope"), new Progress(), new FakePhase("a", List.of(), new FakeHost())));
        assertEquals(ExitCodes.INVALID_INPUT, e.exitCode());
        assertTrue(e.hint().contains("a"), e.hint());
        assertFalse(Files.exists(paths().journalFile()));
    }

    @Test
    void aRerunAfterSuccessDoesNothingAndSaysSo() {
        FakeHost host = new FakeHost();
        assertFalse(install(InstallOptions.under(root), new Progress(), new FakePhase("a", List.of("a1"), host),
                new FakePhase("b", List.of(), host)).alreadyDone());
        FakeHost after = host.copy();
        Progress progress = new Progress();
        Outcome again = install(InstallOptions.under(root), progress, new FakePhase("a", List.of("a1"), after),
                new FakePhase("b", List.of(), after));
        assertEquals(State.SUCCEEDED, again.state());
        assertTrue(again.alreadyDone());
        assertEquals(List.of(), after.log());
        assertTrue(progress.snapshot().phases().stream().allMatch(p -> p.state() == State.SKIPPED));
    }

    /**
     * A kill -9 can land anywhere; what a rerun finds is the journal file as it was last written and the host as
     * the work left it. This runs an install once, captures both at every unit boundary (after the work and before
     * its journal line; after the journal line; at each phase start), then for each capture reruns from it:
     * the rerun applies exactly the units the journal did not record as done, and ends with everything applied.
     */
    @Test
    void resumesAfterACrashAtEveryUnitBoundary() throws Exception {
        record Capture(String where, byte[] journal, FakeHost host) {
        }
        List<Capture> captures = new ArrayList<>();
        FakeHost host = new FakeHost();
        FakePhase.BoundaryHook capture = (w, p, u, ctx) -> {
            try {
                captures.add(new Capture(w + " " + p + "/" + u, Files.readAllBytes(ctx.journal().file()), host.copy()));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        };
        List<String> aUnits = List.of("a1", "a2", "a3");
        List<String> bUnits = List.of("b1", "b2");
        install(InstallOptions.under(root), new Progress(), new FakePhase("a", aUnits, host).onBoundary(capture),
                new FakePhase("b", bUnits, host).onBoundary(capture), new FakePhase("c", List.of(), host));
        assertEquals(2 + 2 * (aUnits.size() + bUnits.size()), captures.size());
        Set<String> everything = host.applied();

        for (Capture c : captures) {
            Path crashed = Files.createTempDirectory(root, "crash");
            var paths = HostPaths.of(crashed);
            Files.createDirectories(paths.stateDir());
            Files.write(paths.journalFile(), c.journal());
            Journal before = Journal.open(paths.journalFile(), true);
            Set<String> recordedDone = new HashSet<>();
            for (String p : List.of("a", "b")) {
                before.units(p).forEach((u, r) -> {
                    if (r.state().isDone()) {
                        recordedDone.add(p + "/" + u);
                    }
                });
            }
            FakeHost h = c.host().copy();
            Outcome rerun = new Installer(InstallOptions.under(crashed), new Progress()).run(List.of(
                    new FakePhase("a", aUnits, h), new FakePhase("b", bUnits, h), new FakePhase("c", List.of(), h)), null);
            assertEquals(State.SUCCEEDED, rerun.state(), c.where());
            assertEquals(everything, h.applied(), c.where());
            Set<String> expectedWork = new HashSet<>();
            for (String p : List.of("a", "b")) {
                for (String u : (p.equals("a") ? aUnits : bUnits)) {
                    // A phase whose every unit is on the host is skipped whole (isDone), journal or not.
                    boolean phaseDone = (p.equals("a") ? aUnits : bUnits).stream().allMatch(x -> c.host().has(p, x));
                    if (!phaseDone && !recordedDone.contains(p + "/" + u)) {
                        expectedWork.add(p + "/" + u);
                    }
                }
            }
            if (!c.host().has("c", "*")) {
                expectedWork.add("c/*");
            }
            assertEquals(expectedWork, new HashSet<>(h.log()), c.where());
            assertEquals(h.log().size(), new HashSet<>(h.log()).size(), "no unit applied twice in the rerun: " + c.where());
            assertEquals(State.SUCCEEDED, Journal.open(paths.journalFile(), true).state(), c.where());
        }
    }

    @Test
    void aDryRunWritesNothingUnderTheRootAndPrintsThePlan() throws Exception {
        FakeHost host = new FakeHost();
        Progress progress = new Progress();
        FakePhase writes = new FakePhase("files", List.of(), host).onDryRun(ctx -> {
            try {
                ctx.host().createDirectories(ctx.paths().resolve("/etc/infometis"), "0755");
                ctx.host().writeAtomically(ctx.paths().resolve("/etc/infometis/x.conf"), "x".getBytes(StandardCharsets.UTF_8), "0644");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Outcome o = install(InstallOptions.under(root).withDryRun(true), progress, writes,
                new FakePhase("other", List.of("o1"), host));
        assertEquals(State.SUCCEEDED, o.state());
        assertFalse(o.alreadyDone());
        try (Stream<Path> s = Files.list(root)) {
            assertEquals(List.of(), s.toList(), "nothing under the root, not even the journal");
        }
        assertEquals(List.of(), host.log(), "no phase ran for real");
        List<String> plan = progress.events(0, 1000).events().stream().map(Event::message)
                .filter(m -> m.startsWith("plan: ")).toList();
        assertEquals(List.of("plan: create directory " + root.resolve("etc/infometis") + " (0755)",
                "plan: write " + root.resolve("etc/infometis/x.conf") + " (1 bytes, 0644)", "plan: Fake other"), plan);
        assertTrue(progress.snapshot().dryRun());
    }

    @Test
    void aJournalThatCannotBeWrittenEndsTheRunAsFailedInTheApiToo() throws Exception {
        Files.createDirectories(root.resolve("var/lib"));
        Files.writeString(root.resolve("var/lib/infometis"), "a file where the state dir should be");
        FakeHost host = new FakeHost();
        Progress progress = new Progress();
        Outcome o = install(InstallOptions.under(root), progress, new FakePhase("a", List.of("a1"), host));
        assertEquals(State.FAILED, o.state());
        assertEquals(ExitCodes.FAILED, o.exitCode());
        assertTrue(o.failure().message().startsWith("writing journal "), o.failure().message());
        assertEquals(State.FAILED, progress.snapshot().state(), "watchers are not left with Running");
        assertEquals(List.of(), host.log(), "nothing done without a journal");
    }

    @Test
    void aPhaseThatCannotListItsUnitsYetStillRuns() {
        FakeHost host = new FakeHost();
        Progress progress = new Progress();
        Outcome o = install(InstallOptions.under(root), progress, new Phase() {
            public String name() {
                return "late";
            }

            public String title() {
                return "Units known late";
            }

            public List<String> units(PhaseContext ctx) {
                throw new IllegalStateException("bundle not unpacked yet");
            }

            public void run(PhaseContext ctx) {
                host.apply("late", "*");
            }
        });
        assertEquals(State.SUCCEEDED, o.state());
        assertEquals(List.of("late/*"), host.log());
        assertTrue(progress.events(0, 100).events().stream()
                .anyMatch(e -> e.message().equals("units of late are not known yet: bundle not unpacked yet")));
    }

    private Journal.Record readRecord() {
        try {
            return io.infometis.installer.Json.MAPPER.readValue(paths().journalFile().toFile(), Journal.Record.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
