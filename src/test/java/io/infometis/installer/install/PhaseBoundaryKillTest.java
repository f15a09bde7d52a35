package io.infometis.installer.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.ContainerdExtension;
import io.infometis.installer.testing.DirectoryBundle;
import io.infometis.installer.testing.K0sRefs;
import io.infometis.installer.testing.K0sStandIn;
import io.infometis.installer.testing.MockCluster;
import io.infometis.installer.testing.NodeInstall;
import io.infometis.installer.testing.OciImages;
import io.infometis.installer.testing.Runs;

/**
 * A real {@code kill -9} at each boundary the new order adds (after k0s, after images, after node): a child JVM runs
 * k0s → images → node → volumes against the strict k0s stand-in, Debian's containerd and the mock API; the test kills
 * it (and its children) as soon as its journal records the phase done, then reruns here and expects a finished install.
 */
class PhaseBoundaryKillTest {
    @RegisterExtension
    static final ContainerdExtension CONTAINERD = new ContainerdExtension();

    @TempDir
    Path tmp;
    Path root;
    MockCluster cluster;
    K0sStandIn standIn;
    DirectoryBundle bundle;

    @BeforeEach
    void setUp() throws Exception {
        Runs.clearImages(CONTAINERD);
        root = Files.createDirectories(tmp.resolve("root"));
        cluster = new MockCluster();
        K0sRefs k0s = K0sRefs.fromSpec();
        standIn = K0sStandIn.forNode(tmp, root, CONTAINERD, cluster, k0s);
        List<String> refs = new ArrayList<>(k0s.refs());
        refs.add("docker.io/infometis-test/app:1");
        List<BundleManifest.Image> images = OciImages.write(tmp.resolve("bundle/images"), refs, 64 * 1024, 9);
        bundle = DirectoryBundle.create(tmp.resolve("bundle"), standIn.binary(), K0sStandIn.VERSION, images,
                List.of(new BundleManifest.Volume("demo", "data", "1Mi", 1000, 1000, "0750", "demo-data")));
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    @ParameterizedTest(name = "kill -9 after {0}")
    @ValueSource(strings = { "k0s", "images", "node" })
    void aRerunAfterKill9AtAPhaseBoundaryFinishes(String boundary) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), NodeInstall.class.getName(),
                root.toString(), standIn.binary().toString(), bundle.directory().toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path journalFile = HostPaths.of(root).journalFile();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!phaseDone(journalFile, boundary) && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        child.descendants().forEach(ProcessHandle::destroyForcibly);
        child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        assertTrue(phaseDone(journalFile, boundary), "the child reached the boundary: " + Files.readString(tmp.resolve("child.log")));
        Journal killed = Journal.open(journalFile, true);
        assertEquals(State.RUNNING, killed.state(), "killed mid-run, not finished: " + Files.readString(tmp.resolve("child.log")));
        assertTrue(!killed.phaseState("volumes").isDone(), "killed before the last phase finished");

        Runs.Run rerun = NodeInstall.run(root, standIn.binary(), bundle);

        assertEquals(State.SUCCEEDED, rerun.outcome().state(), () -> String.valueOf(rerun.outcome().failure()));
        Journal after = Journal.open(journalFile, true);
        for (String phase : List.of("k0s", "images", "node", "volumes")) {
            assertTrue(after.phaseState(phase).isDone(), phase + " " + after.phaseState(phase));
        }
        assertEquals(1L, standIn.count("start"), "k0s was started once, not again by the rerun");
        try (KubernetesClient client = cluster.client()) {
            assertEquals("True", client.nodes().withName("infometis-1").get().getStatus().getConditions().get(0).getStatus());
        }
        assertTrue(Files.isDirectory(root.resolve("tmp/infometis/volumes/demo/data")));
    }

    private static boolean phaseDone(Path journalFile, String phase) {
        try {
            return Files.exists(journalFile) && Journal.open(journalFile, true).phaseState(phase).isDone();
        } catch (RuntimeException halfWrittenOrLocked) {
            return false;
        }
    }
}
