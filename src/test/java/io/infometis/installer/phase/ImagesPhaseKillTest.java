package io.infometis.installer.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.Json;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.host.Containerd;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.K0sContainerd;
import io.infometis.installer.install.Journal;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.ContainerdExtension;
import io.infometis.installer.testing.DirectoryBundle;
import io.infometis.installer.testing.ImagesBench;
import io.infometis.installer.testing.K0sStandIn;
import io.infometis.installer.testing.Runs;

/**
 * A real {@code kill -9} of the installer running the images phase in a child JVM, at a point the test chooses
 * rather than one it polls for: the k0s stand-in holds the import at a gate ({@code STANDIN_GATE}, see
 * k0s-standin.sh) and the kill lands while it is held. Two points, each with and without ctr dying too (a cgroup
 * kill), and exact counts for each:
 * <ul>
 * <li>mid-stream, 20 of the archive's ~40 MiB in ctr: containerd names images only once the whole stream is in, so it
 * holds none of the five, nothing is journaled, and the rerun imports all five in one call;</li>
 * <li>after the second image is journaled: ctr had the whole stream and named all five before unpacking, so the rerun
 * imports nothing and pins the three the journal lacks.</li>
 * </ul>
 */
class ImagesPhaseKillTest {
    @RegisterExtension
    static final ContainerdExtension CONTAINERD = new ContainerdExtension();

    private static final int IMAGES = 5;
    private static final int IMAGE_BYTES = 8 << 20;
    private static final long CUT_AT_BYTES = 20L << 20;

    @TempDir
    Path tmp;

    @Test
    void killedMidStreamContainerdNamesNothingAndTheRerunImportsAllFive() throws Exception {
        killMidStream(false);
    }

    @Test
    void killedMidStreamWithCtrContainerdNamesNothingAndTheRerunImportsAllFive() throws Exception {
        killMidStream(true);
    }

    @Test
    void killedAfterTheSecondImageTheRerunImportsNothingAndPinsTheOtherThree() throws Exception {
        killAfterSecondImage(false);
    }

    @Test
    void killedWithCtrAfterTheSecondImageTheRerunImportsNothingAndPinsTheOtherThree() throws Exception {
        killAfterSecondImage(true);
    }

    private void killMidStream(boolean withCtr) throws Exception {
        Killed k = runAndKillAtGate(Map.of("STANDIN_GATE_BYTES", Long.toString(CUT_AT_BYTES)), 0, withCtr);
        assertEquals(0, k.journaledAtKill(), "nothing is journaled before the whole stream is in");
        assertEquals(Set.of(), k.namedBefore(), "a cut stream names no image");

        Rerun r = rerun(k);
        assertEquals(1, r.importCalls(), "one import of everything");
        assertEquals(IMAGES, r.detailsStartingWith("imported"));
        assertEquals(r.killed().allRefs(), r.refsIn(State.SUCCEEDED));
        assertAllPinned(r);
    }

    private void killAfterSecondImage(boolean withCtr) throws Exception {
        Killed k = runAndKillAtGate(Map.of("STANDIN_GATE_IMAGES", "2"), 2, withCtr);
        assertEquals(2, k.journaledAtKill(), "the installer had two 'done' lines, and journaled both");
        assertEquals(k.allRefs(), k.namedBefore(), "ctr had named all five before it unpacked the first");
        assertEquals(k.journaledRefs(), k.pinnedBefore(), "pinned exactly the journaled two");

        Rerun r = rerun(k);
        assertEquals(0, r.importCalls(), "nothing to import");
        assertEquals(k.journaledRefs(), r.refsIn(State.SKIPPED), "the two journaled and pinned are skipped: " + r.units());
        Set<String> rest = new TreeSet<>(k.allRefs());
        rest.removeAll(k.journaledRefs());
        assertEquals(rest, r.refsIn(State.SUCCEEDED), "the other three are pinned now: " + r.units());
        assertEquals(IMAGES - 2, r.units().values().stream().filter(u -> u.detail() != null && u.detail().endsWith("; pinned")).count());
        assertAllPinned(r);
    }

    record Killed(BundleManifest manifest, Path work, int journaledAtKill, Set<String> journaledRefs, Set<String> allRefs,
            Set<String> namedBefore, Set<String> pinnedBefore, Containerd containerd) {
    }

    record Rerun(Killed killed, long importCalls, Map<String, Journal.UnitRecord> units, Map<String, Containerd.StoredImage> after) {
        Set<String> refsIn(State state) {
            return units.entrySet().stream().filter(e -> e.getValue().state() == state).map(Map.Entry::getKey)
                    .collect(Collectors.toCollection(TreeSet::new));
        }

        long detailsStartingWith(String prefix) {
            return units.values().stream().filter(u -> u.detail() != null && u.detail().startsWith(prefix)).count();
        }
    }

    /**
     * Runs the images phase in a child JVM whose k0s stand-in holds the import at the gate; once it is held (and the
     * journal shows {@code journaled} images), SIGKILLs the child (and ctr, {@code withCtr}), then opens the gate so a
     * surviving ctr sees the rest of what reached its pipe and then end of file.
     */
    private Killed runAndKillAtGate(Map<String, String> gate, int journaled, boolean withCtr) throws Exception {
        Runs.clearImages(CONTAINERD);
        ImagesBench.main(new String[] { "layout", tmp.toString(), Integer.toString(IMAGES), Integer.toString(IMAGE_BYTES) });
        Path work = tmp.resolve("run");
        Path gateDir = Files.createDirectories(tmp.resolve("gate"));
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ImagesBench.class.getName(),
                "phase", work.toString(), CONTAINERD.socket().toString(), tmp.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile());
        pb.environment().put("STANDIN_GATE", gateDir.toString());
        pb.environment().putAll(gate);
        Process child = pb.start();
        Path journal = HostPaths.of(work.resolve("root")).journalFile();
        // Bounded only against a hang; the kill point is the gate, not a time.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (!(Files.exists(gateDir.resolve("held")) && journaledRefs(journal).size() >= journaled)) {
            assertTrue(child.isAlive() && System.nanoTime() < deadline, "the child reaches the gate: " + Files.readString(tmp.resolve("child.log")));
            Thread.sleep(20);
        }
        Set<String> journaledRefs = journaledRefs(journal);
        if (withCtr) {
            child.descendants().forEach(ProcessHandle::destroyForcibly);
        }
        child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        Files.createFile(gateDir.resolve("open"));
        awaitOrphanedCtr(CONTAINERD.socket().toString());

        BundleManifest manifest = Json.MAPPER.readValue(tmp.resolve("bundle/bundle.json").toFile(), BundleManifest.class);
        K0sStandIn standIn = K0sStandIn.write(work.resolve("bin"), work.resolve("root"), CONTAINERD.socket(), null, 0).started();
        Containerd containerd = new K0sContainerd(new K0sCli(standIn.binary(), Duration.ofMinutes(1)), Duration.ofMinutes(5));
        Map<String, Containerd.StoredImage> before = containerd.images();
        Set<String> all = manifest.images().stream().map(BundleManifest.Image::ref).collect(Collectors.toCollection(TreeSet::new));
        Set<String> named = new TreeSet<>();
        Set<String> pinned = new TreeSet<>();
        for (BundleManifest.Image i : manifest.images()) {
            Containerd.StoredImage s = before.get(i.ref());
            if (s != null) {
                assertEquals(i.digest(), s.digest(), i.ref());
                named.add(i.ref());
                if (s.pinned()) {
                    pinned.add(i.ref());
                }
            }
        }
        return new Killed(manifest, work, journaledRefs.size(), journaledRefs, all, named, pinned, containerd);
    }

    private Rerun rerun(Killed k) throws Exception {
        K0sStandIn standIn = K0sStandIn.write(k.work().resolve("bin"), k.work().resolve("root"), CONTAINERD.socket(), null, 0).started();
        Runs.Run run = Runs.run(Runs.options(k.work().resolve("root"), standIn.binary(), null),
                new DirectoryBundle(tmp.resolve("bundle"), k.manifest()), new ImagesPhase(k.containerd()));
        assertEquals(State.SUCCEEDED, run.outcome().state(), () -> String.valueOf(run.outcome().failure()));
        Map<String, Journal.UnitRecord> units = Runs.journalUnits(k.work().resolve("root"), "images");
        return new Rerun(k, standIn.count("ctr -n k8s.io images import"), units, k.containerd().images());
    }

    private static void assertAllPinned(Rerun r) {
        for (BundleManifest.Image i : r.killed().manifest().images()) {
            assertEquals(i.digest(), r.after().get(i.ref()).digest());
            assertTrue(r.after().get(i.ref()).pinned(), i.ref());
        }
    }

    private static Set<String> journaledRefs(Path journal) {
        try {
            return Journal.open(journal, true).units("images").entrySet().stream()
                    .filter(e -> e.getValue().state() == State.SUCCEEDED).map(Map.Entry::getKey)
                    .collect(Collectors.toCollection(TreeSet::new));
        } catch (RuntimeException e) {
            return Set.of(); // never half-written (atomic rename), but absent at first
        }
    }

    /** The killed JVM's ctr child is not killed with it; let it finish before the rerun looks. */
    private static void awaitOrphanedCtr(String socket) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine()
                .map(c -> c.contains("images import -") && c.contains(socket)).orElse(false))) {
            Thread.sleep(50);
        }
    }
}
