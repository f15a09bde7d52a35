package io.infometis.installer.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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

import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.K0sContainerd;
import io.infometis.installer.host.ServiceManager;
import io.infometis.installer.k8s.KubeClients;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.ContainerdExtension;
import io.infometis.installer.testing.DirectoryBundle;
import io.infometis.installer.testing.K0sStandIn;
import io.infometis.installer.testing.MockCluster;
import io.infometis.installer.testing.Runs;

/** The k0s phase with the k0s stand-in, Debian's containerd and the fabric8 mock API server. */
class K0sPhaseTest {
    @RegisterExtension
    static final ContainerdExtension CONTAINERD = new ContainerdExtension();

    @TempDir
    Path tmp;
    Path root;
    MockCluster cluster;
    K0sStandIn standIn;
    DirectoryBundle bundle;

    static final K0sReadiness.Timeouts QUICK = new K0sReadiness.Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(3),
            Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(3), Duration.ofMillis(100));

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectories(tmp.resolve("root"));
        cluster = new MockCluster();
        Path kubeconfig = cluster.writeKubeconfig(tmp.resolve("mock.kubeconfig"));
        // The status socket appears 1 s after 'k0s start': the waits must retry through "no such socket".
        standIn = K0sStandIn.write(tmp.resolve("bin"), root, CONTAINERD.socket(), kubeconfig, 1);
        bundle = DirectoryBundle.create(tmp.resolve("bundle"), standIn.binary(), K0sStandIn.VERSION, List.of(), List.of());
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private K0sPhase phase(ServiceManager services) {
        K0sCli k0s = new K0sCli(HostPaths.of(root).k0sBinary(), Duration.ofSeconds(30));
        return new K0sPhase(k0s, services == null ? ServiceManager.k0s(k0s) : services,
                new K0sReadiness(KubeClients.fromKubeconfig(HostPaths.of(root).adminKubeconfig()), QUICK),
                new K0sContainerd(k0s, Duration.ofSeconds(30)));
    }

    @Test
    void installsK0sAsControllerWithWorkerAndWaitsForItsContainerdNotForANode() throws Exception {
        // No node at all: the k0s phase must not wait for one (the images it needs come in the next phase).
        Runs.Run r = Runs.run(Runs.options(root, standIn.binary(), null), bundle, phase(null));

        assertEquals(State.SUCCEEDED, r.outcome().state(), () -> String.valueOf(r.outcome().failure()));
        HostPaths paths = HostPaths.of(root);
        assertEquals(Files.readString(standIn.binary()), Files.readString(paths.k0sBinary()));
        assertEquals(HostGate.perms("0755"), Files.getPosixFilePermissions(paths.k0sBinary()));
        String config = Files.readString(paths.k0sConfig());
        assertTrue(config.contains("default_pull_policy: Never") && config.contains("enabled: false"), config);
        List<String> calls = standIn.calls();
        assertEquals("install controller --enable-worker --no-taints --disable-components=konnectivity-server --force -c " + paths.k0sConfig(),
                calls.stream().filter(c -> c.startsWith("install")).findFirst().orElseThrow());
        assertTrue(calls.indexOf("start") < calls.indexOf("ctr -n k8s.io images ls"), calls.toString());
        assertTrue(calls.stream().filter(c -> c.equals("ctr -n k8s.io images ls")).count() >= 1, calls.toString());
        assertEquals(State.SUCCEEDED, Runs.journalUnits(root, "k0s").get("containerd").state());
        assertTrue(Runs.journalUnits(root, "k0s").get("containerd").detail().startsWith("answers ("));
    }

    @Test
    void skipsThePhaseWhenTheSameK0sIsRunning() throws Exception {
        Runs.run(Runs.options(root, standIn.binary(), null), bundle, phase(null));
        standIn.clearCalls();

        Runs.Run again = Runs.run(Runs.options(root, standIn.binary(), null), bundle, phase(null));

        assertEquals(State.SUCCEEDED, again.outcome().state());
        assertTrue(again.outcome().alreadyDone(), "phase skipped");
        assertTrue(standIn.calls().stream().noneMatch(c -> c.startsWith("install") || c.equals("start")), standIn.calls().toString());
    }

    @Test
    void refusesToReplaceARunningK0sOfAnotherVersion() throws Exception {
        Runs.run(Runs.options(root, standIn.binary(), null), bundle, phase(null));
        K0sStandIn newer = K0sStandIn.write(tmp.resolve("bin-newer"), root, null, tmp.resolve("mock.kubeconfig"), 0, "v1.34.1+k0s.0");

        Runs.Run r = Runs.run(Runs.options(root, newer.binary(), null), bundle, phase(null));

        assertEquals(State.FAILED, r.outcome().state());
        assertTrue(r.outcome().failure().message().equals("k0s v1.33.4+k0s.0 is running, the bundle brings v1.34.1+k0s.0"),
                r.outcome().failure().message());
    }

    @Test
    void aTimeoutNamesTheWaitThatDidNotFinish() throws Exception {
        // A containerd that never answers: k0s's ctr cannot dial it.
        K0sStandIn dead = K0sStandIn.write(tmp.resolve("bin-dead"), root, tmp.resolve("no.sock"),
                tmp.resolve("mock.kubeconfig"), 0);

        Runs.Run r = Runs.run(Runs.options(root, dead.binary(), null), bundle, phase(null));

        assertEquals(State.FAILED, r.outcome().state());
        assertTrue(r.outcome().failure().message().startsWith("k0s's containerd not ready after 3 s (last: "),
                r.outcome().failure().message());
        assertEquals(State.SUCCEEDED, Runs.journalUnits(root, "k0s").get("status-socket").state());
    }

    @Test
    void theServiceManagerIsASeam() throws Exception {
        List<String> seen = new ArrayList<>();
        K0sCli k0s = new K0sCli(HostPaths.of(root).k0sBinary(), Duration.ofSeconds(30));
        ServiceManager recording = new ServiceManager() {
            @Override
            public void install(Path config) throws IOException {
                seen.add("install " + config.getFileName());
                k0s.installController(config);
            }

            @Override
            public void start() throws IOException {
                seen.add("start");
                k0s.start();
            }

            @Override
            public void stop() {
                seen.add("stop");
            }
        };

        Runs.Run r = Runs.run(Runs.options(root, standIn.binary(), null), bundle, phase(recording));

        assertEquals(State.SUCCEEDED, r.outcome().state());
        assertEquals(List.of("install k0s.yaml", "start"), seen);
    }

    @Test
    void refusesABundleK0sWhoseChecksumDiffers() throws Exception {
        DirectoryBundle damaged = new DirectoryBundle(bundle.directory(), new io.infometis.installer.bundle.BundleManifest(1,
                "t", "1", null, "linux/amd64", new io.infometis.installer.bundle.BundleManifest.K0s(K0sStandIn.VERSION,
                        "k0s/k0s", "sha256:" + "0".repeat(64)), List.of(), List.of(), List.of(), null));

        Runs.Run r = Runs.run(Runs.options(root, null, null), damaged, phase(null));

        assertEquals(State.FAILED, r.outcome().state());
        assertTrue(r.outcome().failure().message().contains("the bundle says"), r.outcome().failure().message());
        assertTrue(Files.notExists(HostPaths.of(root).k0sBinary()));
    }
}
