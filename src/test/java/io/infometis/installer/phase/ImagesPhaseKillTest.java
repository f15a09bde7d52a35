package io.infometis.installer.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
import io.infometis.installer.testing.ImagesBench;
import io.infometis.installer.testing.K0sStandIn;
import io.infometis.installer.testing.Runs;

/**
 * A real {@code kill -9}: the images phase runs in a child JVM, which is killed once its journal records the second
 * of five images; the rerun here imports only what containerd does not hold and ends with all five pinned.
 */
class ImagesPhaseKillTest {
    @RegisterExtension
    static final ContainerdExtension CONTAINERD = new ContainerdExtension();

    @TempDir
    Path tmp;

    @Test
    void aRerunAfterKill9OfTheInstallerImportsOnlyWhatIsMissing() throws Exception {
        killAfterSecondImageThenRerun(false);
    }

    /** As a cgroup kill would: ctr dies with the installer, mid-import. */
    @Test
    void aRerunAfterKill9OfTheInstallerAndCtrImportsOnlyWhatIsMissing() throws Exception {
        killAfterSecondImageThenRerun(true);
    }

    private void killAfterSecondImageThenRerun(boolean withCtr) throws Exception {
        Runs.clearImages(CONTAINERD);
        ImagesBench.main(new String[] { "layout", tmp.toString(), "5", Integer.toString(8 << 20) });
        Path work = tmp.resolve("run");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ImagesBench.class.getName(),
                "phase", work.toString(), CONTAINERD.socket().toString(), tmp.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path journal = HostPaths.of(work.resolve("root")).journalFile();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int finished = 0;
        while (finished < 2 && child.isAlive() && System.nanoTime() < deadline) {
            finished = imagesDone(journal);
            Thread.sleep(5);
        }
        if (withCtr) {
            child.descendants().forEach(ProcessHandle::destroyForcibly);
        }
        child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
        child.waitFor(10, TimeUnit.SECONDS);
        assertTrue(finished >= 2, "child reached the second image: " + Files.readString(tmp.resolve("child.log")));
        int doneBeforeKill = imagesDone(journal);
        BundleManifest manifest = Json.MAPPER.readValue(tmp.resolve("bundle/bundle.json").toFile(), BundleManifest.class);

        K0sStandIn standIn = K0sStandIn.write(work.resolve("bin"), work.resolve("root"), CONTAINERD.socket(), null, 0).started();
        K0sContainerd containerd = new K0sContainerd(new K0sCli(standIn.binary(), Duration.ofMinutes(1)), Duration.ofMinutes(5));
        awaitOrphanedCtr(CONTAINERD.socket().toString());
        Map<String, Containerd.StoredImage> before = containerd.images();
        Runs.Run rerun = Runs.run(Runs.options(work.resolve("root"), standIn.binary(), null),
                new io.infometis.installer.testing.DirectoryBundle(tmp.resolve("bundle"), manifest), new ImagesPhase(containerd));

        assertEquals(State.SUCCEEDED, rerun.outcome().state(), () -> String.valueOf(rerun.outcome().failure()));
        Map<String, Journal.UnitRecord> units = Runs.journalUnits(work.resolve("root"), "images");
        long imported = units.values().stream().filter(u -> u.detail() != null && u.detail().startsWith("imported")).count();
        long missingBefore = manifest.images().stream().filter(i -> !before.containsKey(i.ref())).count();
        assertEquals(missingBefore > 0 ? 1 : 0, standIn.count("ctr -n k8s.io images import"), "imports only when something is missing");
        assertTrue(imported <= 5 - doneBeforeKill, "re-imported only the rest: " + units);
        System.out.println("kill -9" + (withCtr ? " (with ctr)" : "") + " after " + doneBeforeKill + " of 5 images journaled; containerd then held "
                + (5 - missingBefore) + "; the rerun imported " + imported);
        Map<String, Containerd.StoredImage> after = containerd.images();
        for (BundleManifest.Image i : manifest.images()) {
            assertEquals(i.digest(), after.get(i.ref()).digest());
            assertTrue(after.get(i.ref()).pinned(), i.ref());
        }
    }

    private static int imagesDone(Path journal) {
        try {
            return (int) Journal.open(journal, true).units("images").values().stream()
                    .filter(u -> u.state() == State.SUCCEEDED).count();
        } catch (RuntimeException e) {
            return 0; // never half-written (atomic rename), but absent at first
        }
    }

    /** The killed JVM's ctr child is not killed with it; let it finish before the rerun looks. */
    private static void awaitOrphanedCtr(String socket) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine()
                .map(c -> c.contains("images import -") && c.contains(socket)).orElse(false))) {
            Thread.sleep(50);
        }
    }
}
