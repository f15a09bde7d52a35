package io.infometis.installer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.testing.ContainerdExtension;
import io.infometis.installer.testing.K0sStandIn;
import io.infometis.installer.testing.MockCluster;
import io.infometis.installer.testing.OciImages;
import io.infometis.installer.testing.Runs;
import io.infometis.installer.testing.TestBundles;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;

/**
 * The real entry point: {@code install --bundle FILE --k0s-binary STANDIN --until volumes} and {@code uninstall}.
 * Preflight's ports and disk checks are ignored: the machine is shared and other tests bind ports.
 */
@QuarkusMainTest
class HostCommandsTest {
    @RegisterExtension
    static final ContainerdExtension CONTAINERD = new ContainerdExtension();

    @TempDir
    Path tmp;

    @Test
    void installsFromABundleFileUntilVolumesThenUninstalls(QuarkusMainLauncher launcher) throws Exception {
        Runs.clearImages(CONTAINERD);
        Path root = Files.createDirectories(tmp.resolve("root"));
        try (MockCluster cluster = new MockCluster()) {
            K0sStandIn standIn = K0sStandIn.forNode(tmp, root, CONTAINERD, cluster);
            // k0s's own images too: the strict k0s stand-in's node turns Ready only with them in containerd.
            List<String> refs = new java.util.ArrayList<>(io.infometis.installer.testing.K0sRefs.fromSpec().refs());
            IntStream.rangeClosed(1, 3).mapToObj(i -> "docker.io/infometis-e2e/i" + i + ":1").forEach(refs::add);
            List<BundleManifest.Image> images = OciImages.write(tmp.resolve("layout"), refs, 16 * 1024, 3);
            Files.createDirectories(tmp.resolve("manifests"));
            Path bundle = TestBundles.write(tmp.resolve("infometis-bundle.tar"), tmp.resolve("layout"),
                    TestBundles.k0sStandIn(tmp.resolve("k0s-in-bundle")), tmp.resolve("manifests"),
                    List.of(new BundleManifest.Volume("kafka", "data", "1Mi", 1000, 1000, "0750", "kafka-data")), null);

            LaunchResult install = launcher.launch("install", "--root", root.toString(), "--bundle", bundle.toString(),
                    "--k0s-binary", standIn.binary().toString(), "--until", "volumes", "--ignore-preflight", "ports",
                    "--ignore-preflight", "disk", "--linger", "0s", "--api-port", "0");

            assertEquals(0, install.exitCode(), install.getOutput() + install.getErrorOutput());
            assertTrue(install.getOutput().contains("==> Wait for a Ready node"), install.getOutput());
            try (var client = cluster.client()) {
                assertEquals("True", client.nodes().withName("infometis-1").get().getStatus().getConditions().get(0)
                        .getStatus(), "the strict node is Ready: k0s's images went in before the node phase");
            }
            String listed = CONTAINERD.ctrOk("-n", "k8s.io", "images", "ls");
            for (BundleManifest.Image i : images) {
                assertTrue(listed.contains(i.ref()) && listed.contains(i.digest()), listed);
            }
            Path data = root.resolve("tmp/infometis/volumes/kafka/data");
            assertEquals(1000, Files.getAttribute(data, "unix:uid"));
            Files.writeString(data.resolve("keep"), "kept");

            LaunchResult plan = launcher.launch("uninstall", "--root", root.toString(), "--purge-data", "--dry-run");
            assertEquals(0, plan.exitCode(), plan.getErrorOutput());
            assertTrue(plan.getOutput().contains("plan: k0s reset"), plan.getOutput());
            assertTrue(Files.exists(root.resolve("usr/local/bin/k0s")));

            LaunchResult uninstall = launcher.launch("uninstall", "--root", root.toString());
            assertEquals(0, uninstall.exitCode(), uninstall.getOutput() + uninstall.getErrorOutput());
            assertFalse(Files.exists(root.resolve("usr/local/bin/k0s")));
            assertEquals("kept", Files.readString(data.resolve("keep")));

            LaunchResult purge = launcher.launch("uninstall", "--root", root.toString(), "--purge-data");
            assertEquals(0, purge.exitCode(), purge.getErrorOutput());
            assertFalse(Files.exists(data));
        }
    }
}
