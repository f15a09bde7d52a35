package io.infometis.installer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.bundle.BundleFile;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.BundleSignature;
import io.infometis.installer.bundle.Digests;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.install.Journal;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.ContainerdExtension;
import io.infometis.installer.testing.K0sRefs;
import io.infometis.installer.testing.K0sStandIn;
import io.infometis.installer.testing.K0sSystemImages;
import io.infometis.installer.testing.MockCluster;
import io.infometis.installer.testing.RegistryExtension;
import io.infometis.installer.testing.Runs;
import io.infometis.installer.testing.TestBundles;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;

/**
 * Issue 10's "Done means", through the real entry point: {@code bundle build --mirror quay.io=… --mirror docker.io=…}
 * from a local registry holding stand-in copies of k0s's system images under their real refs
 * ({@link K0sSystemImages}, the refs of {@code bundle/bundle.yaml}'s {@code k0s.images}) and the stack's test image,
 * then {@code install} from that bundle against the strict k0s stand-in (its node turns Ready only with k0s's images
 * in containerd; kube-system's and the stack's pods run only with theirs), Debian's containerd and the mock API.
 * The full bundle reaches "Install succeeded"; a bundle missing any one image k0s runs fails with one line naming
 * it. Preflight's {@code ports} is ignored (the machine is shared); the pod grace is 2 s instead of a minute.
 */
@QuarkusMainTest
@TestProfile(InstallEndToEndTest.ShortGrace.class)
class InstallEndToEndTest {
    @RegisterExtension
    static final ContainerdExtension CONTAINERD = new ContainerdExtension();
    @RegisterExtension
    static final RegistryExtension REGISTRY = new RegistryExtension();

    static final String DEMO = "docker.io/infometis-e2e/demo:1";
    /** The images k0s runs for the installer's k0s.yaml and service flags (kuberouter, kube-proxy, no konnectivity). */
    static final List<String> RUN_BY_K0S = List.of("pause", "cni-node", "kube-router", "kube-proxy", "coredns",
            "metrics-server");

    public static class ShortGrace implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("infometis.install.pod-grace", "2s");
        }
    }

    @TempDir
    Path tmp;
    final List<MockCluster> clusters = new ArrayList<>();

    @BeforeAll
    static void push() throws Exception {
        K0sSystemImages.push(REGISTRY);
        K0sSystemImages.push(REGISTRY, List.of(DEMO)); // any tiny image will do as the stack's
    }

    @AfterEach
    void tearDown() {
        clusters.forEach(MockCluster::close);
    }

    /** A host: an empty root, a mock API and the strict k0s stand-in for it. */
    record Host(Path root, MockCluster cluster, K0sStandIn standIn) {
    }

    private Host host(String name) throws Exception {
        Runs.clearImages(CONTAINERD);
        Path dir = Files.createDirectories(tmp.resolve(name));
        MockCluster cluster = new MockCluster();
        clusters.add(cluster);
        Path root = Files.createDirectories(dir.resolve("root"));
        return new Host(root, cluster, K0sStandIn.forNode(dir, root, CONTAINERD, cluster));
    }

    /**
     * {@code bundle build} through the mirror. {@code k0sRuns}: the bundle's k0s answers {@code airgap list-images}
     * (the build cross-checks the pin); otherwise it does not run here and the pin is all the build knows.
     */
    private Path build(QuarkusMainLauncher launcher, Path dir, List<String> k0sPin, boolean k0sRuns) throws Exception {
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
                """.formatted(DEMO));
        Path k0s = dir.resolve("k0s-bin");
        if (k0sRuns) {
            TestBundles.k0sStandIn(k0s);
        } else {
            Files.write(k0s, new byte[] { 0x7f, 'E', 'L', 'F', 0, 0, 0, 0 });
        }
        StringBuilder yaml = new StringBuilder("name: infometis-e2e\nversion: 0.0.1\nk0s:\n  version: " + K0sStandIn.VERSION
                + "\n  source: k0s-bin\n  sha256: " + Digests.sha256(k0s) + "\n  images:\n");
        k0sPin.forEach(r -> yaml.append("    - ").append(r).append('\n'));
        yaml.append("images:\n  - ").append(DEMO).append("\nmanifests: manifests/\nvolumes:\n")
                .append("  - {component: demo, name: data, size: 1Mi, uid: 1000, gid: 1000, mode: \"0750\", claim: demo-data}\n");
        Files.writeString(dir.resolve("bundle.yaml"), yaml);

        Path out = dir.resolve("infometis-bundle.tar");
        List<String> args = new ArrayList<>(List.of("bundle", "build", "--spec", dir.resolve("bundle.yaml").toString(),
                "--out", out.toString(), "--insecure-registry", REGISTRY.host(), "--cache-dir", tmp.resolve("cache").toString()));
        for (String mirror : Set.of("quay.io", "docker.io")) {
            args.addAll(List.of("--mirror", mirror + "=" + REGISTRY.host()));
        }
        LaunchResult built = launcher.launch(args.toArray(String[]::new));
        assertEquals(0, built.exitCode(), built.getOutput() + built.getErrorOutput());
        return out;
    }

    private static LaunchResult install(QuarkusMainLauncher launcher, Host host, Path bundle) {
        return launcher.launch("install", "--root", host.root().toString(), "--bundle", bundle.toString(), "--k0s-binary",
                host.standIn().binary().toString(), "--ignore-preflight", "ports", "--api-port", "0", "--linger", "0");
    }

    @Test
    void installsFromABundleBuiltThroughTheMirrorAndARerunChangesNothing(QuarkusMainLauncher launcher) throws Exception {
        Host host = host("full");
        Path bundle = build(launcher, tmp.resolve("full"), K0sSystemImages.refs(), true);
        BundleManifest built = new BundleFile(bundle, tmp.resolve("inspect"), new HostGate(false, null)).manifest();
        assertEquals(K0sSystemImages.refs(), built.images().stream()
                .filter(i -> BundleManifest.Image.K0S.equals(i.group())).map(BundleManifest.Image::ref).toList());

        LaunchResult first = install(launcher, host, bundle);

        String out = first.getOutput();
        assertEquals(0, first.exitCode(), out + first.getErrorOutput());
        assertTrue(out.contains("Install succeeded"), out);
        assertTrue(out.indexOf("==> Import container images") < out.indexOf("==> Wait for a Ready node"), out);
        assertTrue(out.contains("Grafana: http://127.0.0.1/grafana/"), "the access summary, on the node's InternalIP: " + out);
        List<String> inContainerd = CONTAINERD.ctrOk("-n", "k8s.io", "images", "ls", "-q").lines().toList();
        for (BundleManifest.Image i : built.images()) {
            assertTrue(inContainerd.contains(i.ref()), i.ref() + " in containerd: " + inContainerd);
        }
        Path volume = host.root().resolve("tmp/infometis/volumes/demo/data");
        assertEquals(1000, Files.getAttribute(volume, "unix:uid"));
        try (KubernetesClient client = host.cluster().client()) {
            assertEquals("True", client.nodes().withName("infometis-1").get().getStatus().getConditions().get(0).getStatus());
            assertTrue(client.pods().inNamespace("kube-system").list().getItems().stream()
                    .allMatch(p -> "Running".equals(p.getStatus().getPhase())), "k0s's system pods run");
            PersistentVolume pv = client.persistentVolumes().list().getItems().get(0);
            assertEquals(volume.toString(), pv.getSpec().getLocal().getPath(), "the PV is the directory the volumes phase made");
            assertEquals("infometis-1", pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms().get(0)
                    .getMatchExpressions().get(0).getValues().get(0), "the PV stays on the node k0s registered");
            assertEquals("demo-data", pv.getSpec().getClaimRef().getName());
            assertNotNull(client.persistentVolumeClaims().inNamespace("infometis").withName("demo-data").get());
            assertEquals(1, client.apps().deployments().inNamespace("infometis").withName("demo").get().getStatus()
                    .getAvailableReplicas(), "the demo pod runs: its image was imported");
        }
        Journal journal = Journal.open(HostPaths.of(host.root()).journalFile(), true);
        for (String phase : List.of("preflight", "k0s", "images", "node", "volumes", "stack")) {
            assertTrue(journal.phaseState(phase).isDone(), phase + " " + journal.phaseState(phase));
        }
        // The demo bundle has none of the components the data-path checks exercise: nothing to verify.
        assertEquals(State.SKIPPED, journal.phaseState("verify"));
        String deployed = deploymentVersion(host);

        host.standIn().clearCalls();
        LaunchResult rerun = install(launcher, host, bundle);

        assertEquals(0, rerun.exitCode(), rerun.getOutput() + rerun.getErrorOutput());
        String again = rerun.getOutput();
        for (String skipped : List.of("preflight skipped: already done", "k0s skipped: already done",
                "node skipped: already done", DEMO + " skipped: present as", "demo/data skipped: already there",
                "demo skipped: ready and unchanged")) {
            assertTrue(again.contains(skipped), skipped + " in " + again);
        }
        assertTrue(again.contains("Nothing to do"), "the rerun says it did nothing: " + again);
        assertEquals(deployed, deploymentVersion(host), "the rerun wrote nothing");
        assertTrue(host.standIn().calls().stream().noneMatch(c -> c.startsWith("install") || c.startsWith("start")
                || c.contains("import")), host.standIn().calls().toString());

        // The bundle is unsigned: a key makes even this complete install's rerun refuse it.
        Files.writeString(tmp.resolve("k.pub"), BundleSignature.pem("PUBLIC KEY",
                BundleSignature.generate().getPublic().getEncoded()));
        LaunchResult keyed = launcher.launch("install", "--root", host.root().toString(), "--bundle", bundle.toString(),
                "--public-key", tmp.resolve("k.pub").toString(), "--api-port", "0", "--linger", "0");
        assertEquals(ExitCodes.INVALID_INPUT, keyed.exitCode(), keyed.getOutput() + keyed.getErrorOutput());
        assertTrue(keyed.getErrorOutput().contains("bundle entry bundle.json.sig: missing"), keyed.getErrorOutput());
    }

    @Test
    void aBundleWithoutAnyOneImageK0sRunsFailsWithOneLineNamingIt(QuarkusMainLauncher launcher) throws Exception {
        K0sRefs k0s = K0sRefs.fromSpec();
        for (String role : RUN_BY_K0S) {
            String missing = k0s.require(role);
            Host host = host("without-" + role);
            // A pin that lacks the image, with a k0s binary that does not run on the build host: nothing cross-checks it.
            Path bundle = build(launcher, tmp.resolve("without-" + role), k0s.without(missing).refs(), false);

            LaunchResult r = install(launcher, host, bundle);

            assertNotEquals(0, r.exitCode(), role + ": " + r.getOutput());
            List<String> errors = r.getErrorOutput().lines().filter(l -> l.startsWith("ERROR:")).toList();
            assertEquals(1, errors.size(), role + ": " + r.getErrorOutput());
            assertTrue(errors.get(0).contains(missing), role + ": " + errors.get(0));
            System.out.println("without " + role + ": " + errors.get(0));
        }
    }

    private static String deploymentVersion(Host host) {
        try (KubernetesClient client = host.cluster().client()) {
            return client.apps().deployments().inNamespace("infometis").withName("demo").get().getMetadata()
                    .getResourceVersion();
        }
    }
}
