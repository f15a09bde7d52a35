package io.infometis.installer.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.bundle.Digests;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.install.Journal;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.ContainerdExtension;
import io.infometis.installer.testing.FakeControllers;
import io.infometis.installer.testing.K0sStandIn;
import io.infometis.installer.testing.MockCluster;
import io.infometis.installer.testing.Runs;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;

/**
 * Install v1, then upgrade through the real entry point, against the k0s stand-in (a new version per bundle),
 * Debian's containerd, the fabric8 mock API server and stand-in controllers:
 * v1 → v2 (one image changed under the same ref, one added, one removed, demo's manifest changed, k0s 1.33 → 1.34),
 * v2 → v3 (other's ConfigMap changed: v1's removed image is pruned), v3 → v4 (a canary that never becomes ready:
 * rolled back by itself), then {@code rollback} on demand to v2 and {@code install} of another bundle refused.
 * A file in the volume survives every step.
 */
@QuarkusMainTest
class UpgradeEndToEndTest {
    @RegisterExtension
    static final ContainerdExtension CONTAINERD = new ContainerdExtension();
    static final String K0S_V1 = K0sStandIn.VERSION;
    static final String K0S_V2 = "v1.34.0+k0s.0";

    @TempDir
    Path tmp;
    Path root;
    MockCluster cluster;
    FakeControllers controllers;
    K0sStandIn k0s1;
    K0sStandIn k0s2;
    Path kubeconfig;

    @BeforeEach
    void setUp() throws Exception {
        Runs.clearImages(CONTAINERD);
        root = Files.createDirectories(tmp.resolve("root"));
        cluster = new MockCluster();
        // k0s's node as the strict stand-in runs it: Ready once k0s's images are in containerd, with kube-system's pods.
        controllers = cluster.attach(new io.infometis.installer.testing.K0sNode(cluster, root, CONTAINERD,
                io.infometis.installer.testing.K0sRefs.fromSpec())).controllers();
        kubeconfig = cluster.writeKubeconfig(tmp.resolve("kc"));
        k0s1 = K0sStandIn.write(tmp.resolve("k0s1"), root, CONTAINERD.socket(), kubeconfig, 0, K0S_V1);
        k0s2 = K0sStandIn.write(tmp.resolve("k0s2"), root, CONTAINERD.socket(), kubeconfig, 0, K0S_V2);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        controllers.close();
        cluster.close();
    }

    private Path bundle(String version, K0sStandIn k0s, String k0sVersion, String app, List<String> extra, String other,
            boolean canary) throws Exception {
        return UpgradeBundles.write(tmp.resolve("b-" + version), new UpgradeBundles.Version(version, k0sVersion,
                k0s.binary(), app, extra, other, canary));
    }

    /**
     * Polls {@code GET /api/v1/progress} of the command running in this JVM, on a port picked here (under test,
     * Quarkus binds {@code quarkus.http.test-port}), with the token the command saved. Refused or unauthorised
     * polls (before it serves, or the previous command's token) are skipped.
     */
    static final class ProgressWatcher implements AutoCloseable {
        private final List<com.fasterxml.jackson.databind.JsonNode> snapshots = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final Thread thread;
        private volatile boolean stop;

        private final String previousTestPort = System.getProperty("quarkus.http.test-port");

        ProgressWatcher(Path tokenFile) throws java.io.IOException {
            int port;
            try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
                port = free.getLocalPort();
            }
            System.setProperty("quarkus.http.test-port", Integer.toString(port));
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            thread = new Thread(() -> {
                while (!stop) {
                    try {
                        var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/progress"))
                                .header("Authorization", "Bearer " + Files.readString(tokenFile).trim())
                                .timeout(java.time.Duration.ofSeconds(2)).build();
                        var resp = http.send(req, java.net.http.HttpResponse.BodyHandlers.ofString());
                        if (resp.statusCode() == 200) {
                            snapshots.add(io.infometis.installer.Json.MAPPER.readTree(resp.body()));
                        }
                    } catch (java.io.IOException | RuntimeException e) {
                        // Not serving yet, or the previous command's port or token.
                    } catch (InterruptedException e) {
                        return;
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "progress-watcher");
            thread.start();
        }

        List<com.fasterxml.jackson.databind.JsonNode> snapshots() {
            return List.copyOf(snapshots);
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join();
            if (previousTestPort == null) {
                System.clearProperty("quarkus.http.test-port");
            } else {
                System.setProperty("quarkus.http.test-port", previousTestPort);
            }
        }
    }

    private static List<String> phaseNames(com.fasterxml.jackson.databind.JsonNode snapshot) {
        List<String> names = new java.util.ArrayList<>();
        snapshot.get("phases").forEach(p -> names.add(p.get("name").asText()));
        return names;
    }

    private LaunchResult upgrade(QuarkusMainLauncher launcher, Path bundle, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("upgrade", "--root", root.toString(), "--bundle",
                bundle.toString(), "--component-timeout", "3s"));
        args.addAll(List.of(more));
        return launcher.launch(args.toArray(String[]::new));
    }

    @Test
    void upgradesOnlyWhatChangedPrunesRollsBackAndKeepsTheData(QuarkusMainLauncher launcher) throws Exception {
        Path v1 = bundle("1.0.0", k0s1, K0S_V1, "app 1\n", List.of(UpgradeBundles.OLD), "a", false);
        Path v2 = bundle("2.0.0", k0s2, K0S_V2, "app 2\n", List.of(UpgradeBundles.NEW), "a", false);
        Path v3 = bundle("3.0.0", k0s2, K0S_V2, "app 2\n", List.of(UpgradeBundles.NEW), "b", false);
        Path v4 = bundle("4.0.0", k0s2, K0S_V2, "app 2\n", List.of(UpgradeBundles.NEW), "b", true);

        LaunchResult installed = launcher.launch("install", "--root", root.toString(), "--bundle", v1.toString(),
                "--ignore-preflight", "ports", "--api-port", "0", "--linger", "0");
        assertEquals(0, installed.exitCode(), installed.getOutput() + installed.getErrorOutput());
        Path data = root.resolve("tmp/infometis/volumes/demo/data/kept.txt");
        Files.writeString(data, "operator data\n");
        InstalledState state = new InstalledState(HostPaths.of(root).stateDir(), new HostGate(true, a -> {
        }));
        assertEquals("1.0.0", state.read().orElseThrow().current().version());
        Map<String, String> beforeV2 = versions();
        Map<String, String> imagesV1 = images();

        // The plan, with nothing changed.
        LaunchResult dry = upgrade(launcher, v2, "--dry-run");
        String plan = dry.getOutput();
        assertEquals(0, dry.exitCode(), plan + dry.getErrorOutput());
        for (String line : List.of("plan: k0s " + K0S_V1 + " → " + K0S_V2, "plan: image changed: " + UpgradeBundles.APP,
                "plan: image added: " + UpgradeBundles.NEW, "plan: image removed: " + UpgradeBundles.OLD,
                "plan: component demo changed: ~Deployment/infometis/demo", "+        revision: \"app-app 2\"",
                "plan: 2 components unchanged")) {
            assertTrue(plan.contains(line), line + " in " + plan);
        }
        assertFalse(plan.contains("component other changed"), plan);
        assertEquals(imagesV1, images(), "a dry run imports nothing");
        assertEquals(beforeV2, versions(), "a dry run applies nothing");
        assertEquals(Digests.sha256(k0s1.binary()), Digests.sha256(root.resolve("usr/local/bin/k0s")));
        assertEquals("1.0.0", state.read().orElseThrow().current().version());

        // v1 → v2, watched through the progress API the upgrade serves, as an install's is
        k0s1.clearCalls();
        k0s2.clearCalls();
        LaunchResult up;
        List<com.fasterxml.jackson.databind.JsonNode> served;
        try (ProgressWatcher watcher = new ProgressWatcher(HostPaths.of(root).stateDir().resolve("api-token"))) {
            up = upgrade(launcher, v2, "--linger", "2s");
            served = watcher.snapshots();
        }
        assertEquals(0, up.exitCode(), up.getOutput() + up.getErrorOutput());
        assertTrue(up.getOutput().contains("progress API: http://"), up.getOutput());
        List<String> upgradePhases = List.of("preflight", "k0s", "images", "volumes", "stack", "verify", "prune", "record");
        assertFalse(served.isEmpty(), "the upgrade served its progress");
        // From the first answer: Pending with no phases until the plan is made, then the upgrade's phases.
        for (var snap : served) {
            List<String> names = phaseNames(snap);
            assertTrue(names.equals(upgradePhases) || names.isEmpty() && snap.get("state").asText().equals("Pending"),
                    snap.toString());
        }
        assertTrue(served.stream().anyMatch(snap -> snap.get("state").asText().equals("Running")
                && phaseNames(snap).equals(upgradePhases)), "seen while it ran: " + served);
        assertEquals("Succeeded", served.get(served.size() - 1).get("state").asText(),
                "the final state is served while the upgrade lingers");
        assertTrue(up.getOutput().contains("Upgrade succeeded: infometis-test 2.0.0"), up.getOutput());
        Map<String, Journal.UnitRecord> imageUnits = Journal.open(HostPaths.of(root).stateDir()
                .resolve(Upgrader.JOURNAL), true).units("images");
        assertEquals(State.SUCCEEDED, imageUnits.get(UpgradeBundles.APP).state(), imageUnits.toString());
        assertEquals(State.SUCCEEDED, imageUnits.get(UpgradeBundles.NEW).state(), imageUnits.toString());
        assertEquals(State.SKIPPED, imageUnits.get(UpgradeBundles.LIB).state(), "unchanged image not imported");
        assertEquals(1, k0s2.count("ctr -n k8s.io images import"), "one import: " + k0s2.calls());
        Map<String, String> imagesV2 = images();
        assertNotEquals(imagesV1.get(UpgradeBundles.APP), imagesV2.get(UpgradeBundles.APP), "APP changed digest");
        assertTrue(imagesV2.get(UpgradeBundles.OLD) != null && pinned(UpgradeBundles.OLD),
                "v1's removed image stays pinned while v1 is the rollback target");
        assertEquals(Digests.sha256(k0s2.binary()), Digests.sha256(root.resolve("usr/local/bin/k0s")), "k0s swapped");
        assertEquals(1, k0s1.count("stop"), "the old k0s was stopped: " + k0s1.calls());
        assertEquals(1, k0s2.count("start"), "the new k0s was started: " + k0s2.calls());
        Map<String, String> afterV2 = versions();
        for (Map.Entry<String, String> e : beforeV2.entrySet()) {
            if (e.getKey().equals("Deployment/demo")) {
                assertNotEquals(e.getValue(), afterV2.get(e.getKey()), "the changed Deployment was re-applied");
            } else {
                assertEquals(e.getValue(), afterV2.get(e.getKey()), e.getKey() + " is unchanged and was not written");
            }
        }
        assertEquals("operator data\n", Files.readString(data));
        InstalledRecord r2 = state.read().orElseThrow();
        assertEquals("2.0.0", r2.current().version());
        assertEquals("1.0.0", r2.previous().version());

        // v2 → v3: v1's removed image is used by neither v2 nor v3 any more.
        LaunchResult up3 = upgrade(launcher, v3);
        assertEquals(0, up3.exitCode(), up3.getOutput() + up3.getErrorOutput());
        assertNull(images().get(UpgradeBundles.OLD), "v1's removed image is gone after a further upgrade");
        assertTrue(pinned(UpgradeBundles.APP) && pinned(UpgradeBundles.NEW) && pinned(UpgradeBundles.LIB));
        assertEquals(versions().get("Deployment/demo"), afterV2.get("Deployment/demo"), "demo unchanged in v3");
        assertEquals("operator data\n", Files.readString(data));

        // v3 → v4: the canary never becomes ready; the upgrade puts demo back to v3 by itself.
        controllers.hold("demo-canary");
        Map<String, String> beforeV4 = versions();
        LaunchResult bad = upgrade(launcher, v4);
        assertEquals(ExitCodes.FAILED, bad.exitCode(), bad.getOutput() + bad.getErrorOutput());
        assertTrue(bad.getErrorOutput().contains("upgrade to infometis-test 4.0.0")
                && bad.getErrorOutput().contains("rolled back") && bad.getErrorOutput().contains("infometis-test 3.0.0"),
                bad.getErrorOutput());
        try (KubernetesClient client = cluster.client()) {
            assertNull(client.apps().deployments().inNamespace("infometis").withName("demo-canary").get(),
                    "the canary v4 added is deleted by the rollback");
        }
        assertEquals(beforeV4.get("Deployment/demo"), versions().get("Deployment/demo"), "demo kept v3's manifest");
        assertEquals("3.0.0", state.read().orElseThrow().current().version());
        assertTrue(state.history().entries().stream().anyMatch(e -> e.action().equals("rollback")
                && e.detail().startsWith("automatic: demo")), state.history().toString());
        assertEquals("operator data\n", Files.readString(data));

        // rollback on demand: v3 → v2 (other's ConfigMap goes back to "a").
        LaunchResult back = launcher.launch("rollback", "--root", root.toString(), "--component-timeout", "3s");
        assertEquals(0, back.exitCode(), back.getOutput() + back.getErrorOutput());
        try (KubernetesClient client = cluster.client()) {
            assertEquals("a", client.configMaps().inNamespace("infometis").withName("other").get().getData().get("setting"));
        }
        InstalledRecord rb = state.read().orElseThrow();
        assertEquals("2.0.0", rb.current().version());
        assertEquals(K0S_V2, rb.current().k0sVersion(), "k0s is not downgraded");
        assertEquals("operator data\n", Files.readString(data));
        assertEquals(List.of("install", "upgrade", "upgrade", "rollback", "rollback"),
                state.history().entries().stream().map(History.Entry::action).toList());

        LaunchResult shown = launcher.launch("installed", "--root", root.toString());
        assertEquals(0, shown.exitCode(), shown.getErrorOutput());
        assertTrue(shown.getOutput().contains("installed: infometis-test 2.0.0"), shown.getOutput());
        assertTrue(shown.getOutput().contains("rollback target: infometis-test 3.0.0"), shown.getOutput());

        LaunchResult install3 = launcher.launch("install", "--root", root.toString(), "--bundle", v3.toString(),
                "--ignore-preflight", "ports", "--api-port", "0", "--linger", "0");
        assertEquals(ExitCodes.INVALID_INPUT, install3.exitCode(), install3.getOutput() + install3.getErrorOutput());
        assertTrue(install3.getErrorOutput().contains("use 'infometis upgrade --bundle FILE'"), install3.getErrorOutput());
    }

    /** kind/name → resourceVersion of every stack object in namespace infometis. */
    private Map<String, String> versions() {
        Map<String, String> out = new HashMap<>();
        try (KubernetesClient client = cluster.client()) {
            List<HasMetadata> all = new java.util.ArrayList<>();
            all.addAll(client.apps().deployments().inNamespace("infometis").list().getItems());
            all.addAll(client.configMaps().inNamespace("infometis").list().getItems());
            all.addAll(client.persistentVolumeClaims().inNamespace("infometis").list().getItems());
            all.addAll(client.persistentVolumes().list().getItems());
            all.addAll(client.namespaces().list().getItems());
            for (HasMetadata o : all) {
                out.put(o.getKind() + "/" + o.getMetadata().getName(), o.getMetadata().getResourceVersion());
            }
        }
        return out;
    }

    private static Map<String, String> images() throws Exception {
        Map<String, String> out = new HashMap<>();
        for (String line : CONTAINERD.ctrOk("-n", "k8s.io", "images", "ls").lines().skip(1).toList()) {
            String[] f = line.trim().split("\\s+");
            out.put(f[0], f[2]);
        }
        return out;
    }

    private static boolean pinned(String ref) throws Exception {
        return CONTAINERD.ctrOk("-n", "k8s.io", "images", "ls").lines()
                .anyMatch(l -> l.startsWith(ref + " ") && l.contains("io.cri-containerd.pinned=pinned"));
    }
}
