package io.infometis.installer.cli;

import io.infometis.installer.ExitCodes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.BundleSignature;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.install.Journal;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.ContainerdExtension;
import io.infometis.installer.testing.FakeControllers;
import io.infometis.installer.testing.K0sStandIn;
import io.infometis.installer.testing.MockCluster;
import io.infometis.installer.testing.Runs;
import io.infometis.installer.testing.TestBundles;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;

/**
 * The whole install through the real entry point: a bundle file (a two-component stack: the repository's
 * {@code 00-base} and a demo Deployment with a claim, using one tiny image), the k0s stand-in, Debian's containerd,
 * the fabric8 mock API server and stand-in controllers. Preflight's {@code ports} is ignored: the machine is shared
 * and other tests bind ports; every other check runs.
 */
@QuarkusMainTest
class InstallEndToEndTest {
    @RegisterExtension
    static final ContainerdExtension CONTAINERD = new ContainerdExtension();

    @TempDir
    Path tmp;
    Path root;
    Path bundle;
    MockCluster cluster;
    FakeControllers controllers;
    K0sStandIn standIn;

    @BeforeEach
    void setUp() throws Exception {
        Runs.clearImages(CONTAINERD);
        root = Files.createDirectories(tmp.resolve("root"));
        cluster = new MockCluster();
        controllers = new FakeControllers(cluster.client());
        standIn = K0sStandIn.forNode(tmp, root, CONTAINERD, cluster);
        bundle = demoBundle(tmp.resolve("bundle"), standIn.binary());
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        controllers.close();
        cluster.close();
    }

    /** 00-base from the repository, then 10-demo: a claim and a Deployment running {@link TestBundles#TINY_REF}. */
    static Path demoBundle(Path dir, Path k0s) throws Exception {
        Path layout = TestBundles.layout(dir.resolve("layout")).image(TestBundles.TINY_REF, Map.of("hello.txt", "hi\n")).done();
        Path manifests = dir.resolve("manifests");
        Files.createDirectories(manifests.resolve("00-base"));
        for (String f : List.of("namespace.yaml", "storageclass.yaml")) {
            Files.copy(Path.of("bundle/manifests/00-base", f), manifests.resolve("00-base/" + f));
        }
        Files.createDirectories(manifests.resolve("10-demo"));
        Files.writeString(manifests.resolve("10-demo/pvc.yaml"), """
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: demo-data, namespace: infometis}
                spec:
                  storageClassName: infometis-local
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 1Mi}}
                """);
        Files.writeString(manifests.resolve("10-demo/deployment.yaml"), """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: demo, namespace: infometis}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: demo}}
                  template:
                    metadata: {labels: {app: demo}}
                    spec:
                      containers:
                      - name: demo
                        image: %s
                        imagePullPolicy: IfNotPresent
                        volumeMounts: [{name: data, mountPath: /data}]
                      volumes:
                      - name: data
                        persistentVolumeClaim: {claimName: demo-data}
                """.formatted(TestBundles.TINY_REF));
        List<BundleManifest.Volume> volumes = List.of(
                new BundleManifest.Volume("demo", "data", "1Mi", 1000, 1000, "0750", "demo-data"));
        return TestBundles.write(dir.resolve("infometis-bundle.tar"), layout, k0s, manifests, volumes, null);
    }

    private LaunchResult install(QuarkusMainLauncher launcher) {
        return launcher.launch("install", "--root", root.toString(), "--bundle", bundle.toString(), "--k0s-binary",
                standIn.binary().toString(), "--ignore-preflight", "ports", "--api-port", "0", "--linger", "0");
    }

    @Test
    void installsEveryPhaseFromABundleAndRerunChangesNothing(QuarkusMainLauncher launcher) throws Exception {
        LaunchResult first = install(launcher);

        String out = first.getOutput();
        assertEquals(0, first.exitCode(), out + first.getErrorOutput());
        assertTrue(out.contains("Install succeeded"), out);
        assertTrue(out.contains("Grafana: http://localhost/grafana/"), "the access summary: " + out);
        assertTrue(CONTAINERD.ctrOk("-n", "k8s.io", "images", "ls", "-q").lines().anyMatch(TestBundles.TINY_REF::equals),
                "the bundle's image is in containerd");
        Path volume = root.resolve("tmp/infometis/volumes/demo/data");
        assertEquals(1000, Files.getAttribute(volume, "unix:uid"));
        try (KubernetesClient client = cluster.client()) {
            PersistentVolume pv = client.persistentVolumes().list().getItems().get(0);
            assertEquals(volume.toString(), pv.getSpec().getLocal().getPath(), "the PV is the directory the volumes phase made");
            assertEquals("infometis-1", pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms().get(0)
                    .getMatchExpressions().get(0).getValues().get(0), "the PV stays on the node k0s registered");
            assertEquals("demo-data", pv.getSpec().getClaimRef().getName());
            assertNotNull(client.persistentVolumeClaims().inNamespace("infometis").withName("demo-data").get());
            assertEquals(List.of("demo"), controllers.readied());
        }
        Journal journal = Journal.open(HostPaths.of(root).journalFile(), true);
        for (String phase : List.of("preflight", "k0s", "images", "volumes", "stack")) {
            assertEquals(State.SUCCEEDED, journal.phaseState(phase), phase);
        }
        // The demo bundle has none of the components the data-path checks exercise: nothing to verify.
        assertEquals(State.SKIPPED, journal.phaseState("verify"));
        String deployed = deploymentVersion();

        standIn.clearCalls();
        LaunchResult rerun = install(launcher);

        assertEquals(0, rerun.exitCode(), rerun.getOutput() + rerun.getErrorOutput());
        String again = rerun.getOutput();
        for (String skipped : List.of("preflight skipped: already done", "k0s skipped: already done",
                TestBundles.TINY_REF + " skipped: present as", "demo/data skipped: already there",
                "tmpfiles.d skipped: already written", "1 PersistentVolumes, 0 written",
                "base skipped: ready and unchanged", "demo skipped: ready and unchanged")) {
            assertTrue(again.contains(skipped), skipped + " in " + again);
        }
        assertTrue(again.contains("Nothing to do"), "the rerun says it did nothing: " + again);
        assertEquals(deployed, deploymentVersion(), "the rerun wrote nothing");
        assertTrue(standIn.calls().stream().noneMatch(c -> c.startsWith("install") || c.startsWith("start")
                || c.contains("import")), standIn.calls().toString());

        // The bundle is unsigned: a key makes even this complete install's rerun refuse it.
        Files.writeString(tmp.resolve("k.pub"), BundleSignature.pem("PUBLIC KEY",
                BundleSignature.generate().getPublic().getEncoded()));
        LaunchResult keyed = launcher.launch("install", "--root", root.toString(), "--bundle", bundle.toString(),
                "--public-key", tmp.resolve("k.pub").toString(), "--api-port", "0", "--linger", "0");
        assertEquals(ExitCodes.INVALID_INPUT, keyed.exitCode(), keyed.getOutput() + keyed.getErrorOutput());
        assertTrue(keyed.getErrorOutput().contains("bundle entry bundle.json.sig: missing"), keyed.getErrorOutput());
    }

    private String deploymentVersion() {
        try (KubernetesClient client = cluster.client()) {
            return client.apps().deployments().inNamespace("infometis").withName("demo").get().getMetadata()
                    .getResourceVersion();
        }
    }
}
