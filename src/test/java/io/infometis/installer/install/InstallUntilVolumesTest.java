package io.infometis.installer.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.BundleSpec;
import io.infometis.installer.host.Containerd;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.K0sContainerd;
import io.infometis.installer.host.Mounts;
import io.infometis.installer.phase.PhaseRunner;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.ProgressSnapshot;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.ContainerdExtension;
import io.infometis.installer.testing.DirectoryBundle;
import io.infometis.installer.testing.K0sStandIn;
import io.infometis.installer.testing.MockCluster;
import io.infometis.installer.testing.OciImages;
import io.infometis.installer.testing.Runs;
import io.infometis.installer.uninstall.UninstallOptions;
import io.infometis.installer.uninstall.Uninstaller;

/**
 * The install's real phase list (preflight, k0s, images, volumes) with the k0s stand-in, Debian's containerd and the
 * fabric8 mock API server, then uninstall. Preflight's {@code ports} and {@code disk} are ignored: the machine is
 * shared (other tests bind ports) and the bundle.yaml volume plan asks for 42 GiB.
 */
class InstallUntilVolumesTest {
    @RegisterExtension
    static final ContainerdExtension CONTAINERD = new ContainerdExtension();

    @TempDir
    Path tmp;
    Path root;
    MockCluster cluster;
    K0sStandIn standIn;
    DirectoryBundle bundle;
    List<BundleManifest.Image> images;
    List<BundleManifest.Volume> volumes;

    @BeforeEach
    void setUp() throws Exception {
        Runs.clearImages(CONTAINERD);
        root = Files.createDirectories(tmp.resolve("root"));
        cluster = new MockCluster();
        standIn = K0sStandIn.forNode(tmp, root, CONTAINERD, cluster);
        // k0s's own images too: the strict k0s stand-in's node turns Ready only with them in containerd.
        List<String> refs = new ArrayList<>(io.infometis.installer.testing.K0sRefs.fromSpec().refs());
        IntStream.rangeClosed(1, 10).mapToObj(i -> "registry.example.org/infometis/c" + i + ":" + i + ".0").forEach(refs::add);
        images = OciImages.write(tmp.resolve("bundle/images"), refs, 32 * 1024, 7);
        volumes = BundleSpec.read(Path.of("bundle/bundle.yaml")).volumes();
        bundle = DirectoryBundle.create(tmp.resolve("bundle"), standIn.binary(), K0sStandIn.VERSION, images, volumes);
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private record Result(PhaseRunner.Outcome outcome, ProgressSnapshot snapshot) {
    }

    private Result install() {
        InstallOptions options = new InstallOptions(root, null, null, null, false, "volumes", Set.of("ports", "disk"),
                standIn.binary(), null, null);
        Progress progress = new Progress();
        PhaseRunner.Outcome o = new Installer(options, progress).run(new InstallPlan().phases(options), bundle);
        return new Result(o, progress.snapshot());
    }

    private List<String> uninstall(boolean purge) throws Exception {
        List<String> lines = new ArrayList<>();
        new Uninstaller(new UninstallOptions(root, null, HostPaths.VOLUMES_DIR, purge, false, 1, Duration.ofMillis(100)),
                new K0sCli(HostPaths.of(root).k0sBinary(), Duration.ofSeconds(30)), Mounts.live(), lines::add).run();
        return lines;
    }

    @Test
    void installsUntilVolumesThenUninstallKeepsDataUnlessPurged() throws Exception {
        Result first = install();

        assertEquals(State.SUCCEEDED, first.outcome().state(), () -> String.valueOf(first.outcome().failure()));
        Containerd containerd = new K0sContainerd(new K0sCli(HostPaths.of(root).k0sBinary(), Duration.ofSeconds(30)),
                Duration.ofMinutes(1));
        Map<String, Containerd.StoredImage> stored = containerd.images();
        for (BundleManifest.Image i : images) {
            assertEquals(i.digest(), stored.get(i.ref()).digest(), i.ref());
        }
        Path kafka = root.resolve("tmp/infometis/volumes/kafka/data");
        assertEquals(1000, Files.getAttribute(kafka, "unix:uid"));

        standIn.clearCalls();
        Result rerun = install();
        assertEquals(State.SUCCEEDED, rerun.outcome().state());
        assertEquals(2, standIn.count("ctr -n k8s.io images ls"), "one probe of k0s's containerd, one listing by images");
        assertEquals(0, standIn.count("ctr -n k8s.io images import"));
        ProgressSnapshot.PhaseView imagesPhase = rerun.snapshot().phases().stream().filter(p -> p.name().equals("images"))
                .findFirst().orElseThrow();
        // What "fast when everything is there" means, counted rather than timed: one listing, no import, no
        // relabelling, and every image Skipped.
        assertEquals(0, standIn.count("ctr -n k8s.io images label"), "every image was pinned already");
        assertEquals(2, standIn.calls().stream().filter(c -> c.startsWith("ctr")).count(), standIn.calls().toString());
        assertEquals(images.size(), imagesPhase.units().items().size());
        assertTrue(imagesPhase.units().items().stream().allMatch(u -> u.state() == State.SKIPPED), imagesPhase.units().toString());

        Files.writeString(kafka.resolve("00000000.log"), "kafka data");
        standIn.clearCalls();
        List<String> out = uninstall(false);

        assertTrue(standIn.calls().contains("stop"), standIn.calls().toString());
        assertTrue(standIn.calls().stream().anyMatch(c -> c.startsWith("reset")), standIn.calls().toString());
        assertFalse(Files.exists(HostPaths.of(root).k0sBinary()));
        assertFalse(Files.exists(HostPaths.of(root).k0sConfig()));
        assertFalse(Files.exists(HostPaths.of(root).stateDir()));
        assertEquals("kafka data", Files.readString(kafka.resolve("00000000.log")), out.toString());
        assertTrue(Files.exists(root.resolve("etc/tmpfiles.d/infometis.conf")), "kept data stays protected from tmp cleaning");

        Result again = install();
        assertEquals(State.SUCCEEDED, again.outcome().state(), () -> String.valueOf(again.outcome().failure()));
        assertEquals("kafka data", Files.readString(kafka.resolve("00000000.log")), "a reinstall finds the kept data");

        uninstall(true);

        assertFalse(Files.exists(root.resolve("tmp/infometis/volumes")));
        assertFalse(Files.exists(root.resolve("etc/tmpfiles.d/infometis.conf")));
    }

    @Test
    void aDryRunPlansEveryPhaseAndChangesNothing() throws Exception {
        InstallOptions options = new InstallOptions(root, null, null, null, true, "volumes", Set.of("ports", "disk"),
                standIn.binary(), null, null);
        Progress progress = new Progress();

        PhaseRunner.Outcome o = new Installer(options, progress).run(new InstallPlan().phases(options), bundle);

        assertEquals(State.SUCCEEDED, o.state(), () -> String.valueOf(o.failure()));
        try (var s = Files.list(root)) {
            assertEquals(0, s.count(), "nothing under the root");
        }
        assertTrue(standIn.calls().stream().noneMatch(c -> c.startsWith("install") || c.startsWith("start") || c.contains("import")),
                standIn.calls().toString());
        assertTrue(CONTAINERD.ctrOk("-n", "k8s.io", "images", "ls", "-q").isBlank());
    }
}
