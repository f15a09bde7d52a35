package io.infometis.installer.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.bundle.BundleLocator;
import io.infometis.installer.bundle.Digests;
import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.install.InstallPlan;
import io.infometis.installer.install.Installer;
import io.infometis.installer.install.Journal;
import io.infometis.installer.phase.PhaseRunner;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.ContainerdExtension;
import io.infometis.installer.testing.FakeControllers;
import io.infometis.installer.testing.K0sStandIn;
import io.infometis.installer.testing.MockCluster;
import io.infometis.installer.testing.Runs;

/**
 * A real {@code kill -9} of an upgrade in a child JVM while the new k0s is starting (the stand-in creates its status
 * socket 3 s after {@code start}, so the child is inside the k0s phase's wait, with k0s stopped, swapped and
 * started); the rerun here finishes the upgrade, and the data in the volume is still there.
 */
class UpgradeKillTest {
    @RegisterExtension
    static final ContainerdExtension CONTAINERD = new ContainerdExtension();

    @TempDir
    Path tmp;
    Path root;
    MockCluster cluster;
    FakeControllers controllers;

    @BeforeEach
    void setUp() throws Exception {
        Runs.clearImages(CONTAINERD);
        root = Files.createDirectories(tmp.resolve("root"));
        cluster = new MockCluster();
        controllers = cluster.attach(new io.infometis.installer.testing.K0sNode(cluster, root, CONTAINERD, io.infometis.installer.testing.K0sRefs.fromSpec())).controllers();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        controllers.close();
        cluster.close();
    }

    @Test
    void aRerunAfterKill9MidUpgradeFinishesIt() throws Exception {
        Path kc = cluster.writeKubeconfig(tmp.resolve("kc"));
        K0sStandIn k1 = K0sStandIn.write(tmp.resolve("k0s1"), root, CONTAINERD.socket(), kc, 0, K0sStandIn.VERSION);
        K0sStandIn k2 = K0sStandIn.write(tmp.resolve("k0s2"), root, CONTAINERD.socket(), kc, 3, "v1.34.0+k0s.0");
        Path v1 = UpgradeBundles.write(tmp.resolve("b1"), new UpgradeBundles.Version("1.0.0", K0sStandIn.VERSION,
                k1.binary(), "app 1\n", List.of(UpgradeBundles.OLD), "a", false));
        Path v2 = UpgradeBundles.write(tmp.resolve("b2"), new UpgradeBundles.Version("2.0.0", "v1.34.0+k0s.0",
                k2.binary(), "app 2\n", List.of(UpgradeBundles.NEW), "b", false));
        install(v1);
        Path data = root.resolve("tmp/infometis/volumes/demo/data/kept.txt");
        Files.writeString(data, "operator data\n");

        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                UpgradeChild.class.getName(), root.toString(), v2.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path journal = HostPaths.of(root).stateDir().resolve(Upgrader.JOURNAL);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!started(journal) && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
        child.waitFor(10, TimeUnit.SECONDS);
        String log = Files.readString(tmp.resolve("child.log"));
        assertTrue(started(journal), "the child reached k0s start: " + log);
        Journal killed = Journal.open(journal, true);
        assertEquals(State.RUNNING, killed.state(), "killed mid-run: " + log);
        assertEquals(State.RUNNING, killed.phaseState("k0s"), "killed inside the k0s phase: " + log);

        Progress progress = new Progress();
        Upgrader.Result rerun = new Upgrader(UpgradeChild.options(root, v2), progress, Duration.ofSeconds(20)).run(null);

        assertEquals(State.SUCCEEDED, rerun.outcome().state(), String.valueOf(rerun.outcome().failure()));
        InstalledState state = new InstalledState(HostPaths.of(root).stateDir(), new HostGate(true, a -> {
        }));
        assertEquals("2.0.0", state.read().orElseThrow().current().version());
        assertEquals("v1.34.0+k0s.0", new K0sCli(HostPaths.of(root).k0sBinary(), Duration.ofSeconds(10)).status().version());
        assertEquals(Digests.sha256(k2.binary()), Digests.sha256(HostPaths.of(root).k0sBinary()));
        assertTrue(CONTAINERD.ctrOk("-n", "k8s.io", "images", "ls", "-q").contains(UpgradeBundles.NEW));
        try (KubernetesClient client = cluster.client()) {
            assertEquals("b", client.configMaps().inNamespace("infometis").withName("other").get().getData().get("setting"));
            assertNotNull(client.persistentVolumeClaims().inNamespace("infometis").withName("demo-data").get());
        }
        assertEquals("operator data\n", Files.readString(data));
        assertEquals(2, state.history().entries().size(), "one install, one upgrade: " + state.history());
    }

    private static boolean started(Path journal) {
        if (!Files.exists(journal)) {
            return false;
        }
        try {
            Journal.UnitRecord u = Journal.open(journal, true).unit("k0s", "start");
            return u != null && u.state() == State.SUCCEEDED;
        } catch (RuntimeException halfWritten) {
            return false;
        }
    }

    private void install(Path bundle) throws Exception {
        InstallOptions options = new InstallOptions(root, null, bundle, null, false, null, Set.of("ports"), null, null,
                null);
        Installer installer = new Installer(options, new Progress());
        InstallBundle b = BundleLocator.resolve(options, installer.paths(), installer.gate(), (java.security.PublicKey) null);
        PhaseRunner.Outcome o = installer.run(new InstallPlan().phases(options), b);
        assertEquals(State.SUCCEEDED, o.state(), String.valueOf(o.failure()));
        InstallHooks.recordIfComplete(options, installer, b, o);
    }
}
