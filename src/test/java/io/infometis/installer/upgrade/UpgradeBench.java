package io.infometis.installer.upgrade;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import io.infometis.installer.bundle.BundleLocator;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.install.InstallPlan;
import io.infometis.installer.install.Installer;
import io.infometis.installer.phase.PhaseRunner;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.FakeControllers;
import io.infometis.installer.testing.K0sStandIn;
import io.infometis.installer.testing.MockCluster;
import io.infometis.installer.testing.TestBundles;

/**
 * bench/upgrade.sh's engine: installs a bundle of COUNT images (one random layer of BYTES each, plus k0s's own
 * images, a few bytes each) into the given
 * containerd through the k0s stand-in and a mock API server, then upgrades to a bundle in which one image (and the
 * Deployment using it) changed. Prints {@code upgrade_ms=… imported_images=… imported_bytes=… bundle_image_bytes=…}.
 * Usage: UpgradeBench WORKDIR CTR_SOCKET COUNT BYTES
 */
public final class UpgradeBench {
    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        Path socket = Path.of(args[1]);
        int count = Integer.parseInt(args[2]);
        int bytes = Integer.parseInt(args[3]);
        Path root = Files.createDirectories(work.resolve("root"));
        try (MockCluster cluster = new MockCluster()) {
            FakeControllers controllers = cluster.attach(new io.infometis.installer.testing.K0sNode(cluster, root, socket,
                    io.infometis.installer.testing.K0sRefs.fromSpec())).controllers();
            Path kc = cluster.writeKubeconfig(work.resolve("kc"));
            K0sStandIn k0s = K0sStandIn.write(work.resolve("k0s"), root, socket, kc, 0, K0sStandIn.VERSION);
            Path v1 = bundle(work.resolve("b1"), k0s.binary(), "1.0.0", count, bytes);
            Path v2 = bundle(work.resolve("b2"), k0s.binary(), "2.0.0", count, bytes);
            InstallOptions options = new InstallOptions(root, null, v1, null, false, null,
                    Set.of("ports", "resources", "disk"), null, work.resolve("volumes").toString(), null);
            Installer installer = new Installer(options, new Progress());
            InstallBundle b = BundleLocator.resolve(options, installer.paths(), installer.gate(), (java.security.PublicKey) null);
            PhaseRunner.Outcome o = installer.run(new InstallPlan().phases(options), b);
            if (o.state() != State.SUCCEEDED) {
                throw new IllegalStateException("install: " + o.failure());
            }
            InstallHooks.recordIfComplete(options, installer, b, o);

            long t0 = System.nanoTime();
            Upgrader.Result r = new Upgrader(UpgradeChild.options(root, v2), new Progress(), Duration.ofMinutes(1)).run(null);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (r.outcome().state() != State.SUCCEEDED) {
                throw new IllegalStateException("upgrade: " + r.outcome().failure());
            }
            long total = r.plan().to().images().stream().mapToLong(BundleManifest.Image::size).sum();
            System.out.println("upgrade_ms=" + ms + " imported_images=" + (r.plan().imagesAdded().size()
                    + r.plan().imagesChanged().size()) + " imported_bytes=" + r.plan().newImageBytes()
                    + " bundle_image_bytes=" + total + " components_applied=" + r.plan().changedComponents());
            controllers.close();
        }
        System.exit(0);
    }

    /** COUNT images; image 0's content (and the Deployment using it) depends on the version, the others do not. */
    static Path bundle(Path dir, Path k0s, String version, int count, int bytes) throws Exception {
        TestBundles.LayoutBuilder layout = TestBundles.layout(dir.resolve("layout"));
        for (int i = 0; i < count; i++) {
            long seed = i == 0 ? version.hashCode() : i;
            layout.image("docker.io/infometis/bench-" + i + ":1.0", Map.of("data.bin", random(seed, bytes)));
        }
        // k0s's own images (tiny), as every bundle carries them: the strict node turns Ready only with them in containerd.
        for (String ref : io.infometis.installer.testing.K0sRefs.fromSpec().refs()) {
            layout.image(ref, Map.of("k0s.txt", ref + "\n"));
        }
        Path manifests = dir.resolve("manifests");
        Files.createDirectories(manifests.resolve("00-base"));
        for (String f : List.of("namespace.yaml", "storageclass.yaml")) {
            Files.copy(Path.of("bundle/manifests/00-base", f), manifests.resolve("00-base/" + f));
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(String.format("%02d-app%d", 10 + i, i));
            Files.createDirectories(manifests.resolve(names.get(i)));
            Files.writeString(manifests.resolve(names.get(i) + "/deployment.yaml"), """
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: app%d, namespace: infometis}
                    spec:
                      replicas: 1
                      selector: {matchLabels: {app: app%d}}
                      template:
                        metadata: {labels: {app: app%d}, annotations: {revision: "%s"}}
                        spec:
                          containers: [{name: main, image: "docker.io/infometis/bench-%d:1.0"}]
                    """.formatted(i, i, i, i == 0 ? version : "1", i));
        }
        return TestBundles.write(dir.resolve("bundle.tar"), layout.done(), k0s, K0sStandIn.VERSION, version, manifests,
                List.of(), null);
    }

    /** Incompressible text of about {@code bytes} bytes (base64 of random bytes). */
    private static String random(long seed, int bytes) {
        byte[] b = new byte[bytes * 3 / 4];
        new Random(seed).nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }
}
