package io.infometis.installer.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.K0sContainerd;
import io.infometis.installer.host.ServiceManager;
import io.infometis.installer.k8s.KubeClients;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.ContainerdExtension;
import io.infometis.installer.testing.DirectoryBundle;
import io.infometis.installer.testing.K0sRefs;
import io.infometis.installer.testing.K0sStandIn;
import io.infometis.installer.testing.MockCluster;
import io.infometis.installer.testing.OciImages;
import io.infometis.installer.testing.Runs;

/**
 * The new order against the strict k0s stand-in (a node that turns Ready only with k0s's own images in Debian's
 * containerd, k0s's system components in kube-system, kubelet's failure reasons): k0s → images → node succeeds; the
 * old order (a Ready node before the images) cannot; a bundle without any one image k0s runs fails naming it.
 */
class NodeReadyPhaseTest {
    @RegisterExtension
    static final ContainerdExtension CONTAINERD = new ContainerdExtension();
    static final String APP = "docker.io/infometis-test/app:1";

    static final K0sReadiness.Timeouts WAITS = new K0sReadiness.Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(10),
            Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMillis(100));

    @TempDir
    Path tmp;
    Path root;
    MockCluster cluster;
    K0sStandIn standIn;
    K0sRefs k0sImages = K0sRefs.fromSpec();

    @BeforeEach
    void setUp() throws Exception {
        Runs.clearImages(CONTAINERD);
        root = Files.createDirectories(tmp.resolve("root"));
        cluster = new MockCluster();
        standIn = K0sStandIn.forNode(tmp, root, CONTAINERD, cluster, k0sImages);
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    /** A bundle holding stand-in copies of k0s's images (minus {@code leftOut}) and one stack image. */
    private DirectoryBundle bundle(String leftOut) throws Exception {
        List<String> refs = new ArrayList<>(k0sImages.refs());
        refs.remove(leftOut);
        refs.add(APP);
        List<BundleManifest.Image> images = OciImages.write(tmp.resolve("bundle/images"), refs, 1024, 5).stream()
                .map(i -> i.ref().equals(APP) ? i : new BundleManifest.Image(i.ref(), i.digest(), i.mediaType(),
                        i.platform(), i.size(), BundleManifest.Image.K0S)).toList();
        return DirectoryBundle.create(tmp.resolve("bundle"), standIn.binary(), K0sStandIn.VERSION, images, List.of());
    }

    private K0sPhase k0s() {
        K0sCli cli = new K0sCli(HostPaths.of(root).k0sBinary(), Duration.ofSeconds(30));
        return new K0sPhase(cli, ServiceManager.k0s(cli), waits(), containerd());
    }

    private ImagesPhase images() {
        return new ImagesPhase(containerd());
    }

    private NodeReadyPhase node() {
        return new NodeReadyPhase(new K0sCli(HostPaths.of(root).k0sBinary(), Duration.ofSeconds(30)), waits(),
                KubeClients.fromKubeconfig(HostPaths.of(root).adminKubeconfig()), Duration.ofMillis(500),
                Duration.ofMillis(50), Duration.ofSeconds(60));
    }

    private K0sReadiness waits() {
        return new K0sReadiness(KubeClients.fromKubeconfig(HostPaths.of(root).adminKubeconfig()), WAITS);
    }

    private K0sContainerd containerd() {
        return new K0sContainerd(new K0sCli(HostPaths.of(root).k0sBinary(), Duration.ofSeconds(30)), Duration.ofMinutes(2));
    }

    private Runs.Run run(DirectoryBundle bundle, Phase... phases) {
        return Runs.run(Runs.options(root, standIn.binary(), null), bundle, phases);
    }

    @Test
    void k0sThenImagesThenNodeBringsUpTheNodeAndK0sSystemComponents() throws Exception {
        DirectoryBundle bundle = bundle(null);

        Runs.Run r = run(bundle, k0s(), images(), node());

        assertEquals(State.SUCCEEDED, r.outcome().state(), () -> String.valueOf(r.outcome().failure()));
        // The node may already be Ready when the phase looks (the images were in a moment before): then it is done.
        assertTrue(io.infometis.installer.install.Journal.open(HostPaths.of(root).journalFile(), true)
                .phaseState(NodeReadyPhase.NAME).isDone());
        try (KubernetesClient client = cluster.client()) {
            assertEquals("True", client.nodes().withName("infometis-1").get().getStatus().getConditions().get(0).getStatus());
            for (String w : List.of("kube-router", "kube-proxy")) {
                assertEquals(1, client.apps().daemonSets().inNamespace("kube-system").withName(w).get().getStatus()
                        .getNumberAvailable(), w);
            }
            for (String w : List.of("coredns", "metrics-server")) {
                assertEquals(1, client.apps().deployments().inNamespace("kube-system").withName(w).get().getStatus()
                        .getAvailableReplicas(), w);
            }
            assertTrue(client.pods().inNamespace("kube-system").list().getItems().stream()
                    .allMatch(p -> "Running".equals(p.getStatus().getPhase())), "every system pod runs");
        }

        Runs.Run again = run(bundle, k0s(), images(), node());

        assertEquals(State.SUCCEEDED, again.outcome().state(), () -> String.valueOf(again.outcome().failure()));
        assertTrue(again.outcome().alreadyDone(), "a rerun finds every phase done");
    }

    @Test
    void theOldOrderCannotGetANodeItFailsNamingTheMissingSandboxImage() throws Exception {
        DirectoryBundle bundle = bundle(null);

        // Before issue 10: wait for a Ready node, then import. The node needs the images that come after it.
        Runs.Run r = run(bundle, k0s(), node(), images());

        assertEquals(State.FAILED, r.outcome().state());
        String message = r.outcome().failure().message();
        assertTrue(message.startsWith("node not Ready: pod kube-"), message); // kube-router or kube-proxy: both need a sandbox
        assertTrue(message.contains("FailedCreatePodSandBox") && message.contains(k0sImages.require("pause")), message);
        assertFalse(message.contains("\n"), "one line: " + message);
        assertTrue(r.outcome().failure().hint().contains("pause image"), r.outcome().failure().hint());
        assertEquals(State.PENDING, Runs.journalUnits(root, "images").values().stream().findFirst()
                .map(u -> u.state()).orElse(State.PENDING), "nothing was imported");
    }

    /** Every image k0s runs for the installer's k0s.yaml (kuberouter, kube-proxy, no konnectivity). */
    @ParameterizedTest
    @ValueSource(strings = { "pause", "cni-node", "kube-router", "kube-proxy", "coredns", "metrics-server" })
    void aBundleWithoutOneOfK0sImagesFailsWithOneLineNamingIt(String role) throws Exception {
        String missing = k0sImages.require(role);
        DirectoryBundle bundle = bundle(missing);

        Runs.Run r = run(bundle, k0s(), images(), node());

        assertEquals(State.FAILED, r.outcome().state());
        String message = r.outcome().failure().message();
        assertTrue(message.contains(missing), message);
        assertFalse(message.contains("\n"), "one line: " + message);
        assertEquals(State.SUCCEEDED, Runs.journalUnits(root, "images").get(APP).state(), "the images phase itself passed");
        System.out.println("without " + role + ": " + message + " — " + r.outcome().failure().hint());
    }
}
