package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.Processes;
import io.infometis.installer.testing.ContainerdExtension;
import io.infometis.installer.testing.TestBundles;

/** The images phase's path: unpacked bundle → one OCI tar per image on ctr's stdin → containerd, digests intact. */
class OciArchiveTest {
    @RegisterExtension
    static final ContainerdExtension CONTAINERD = new ContainerdExtension();

    @TempDir
    Path tmp;

    @Test
    void importsEachImageFromStdinUnderItsFullRefWithItsDigest() throws Exception {
        Path layout = TestBundles.layout(tmp.resolve("layout"))
                .image("docker.io/infometis/one:1.0", Map.of("base.txt", "shared"), Map.of("one.txt", "1"))
                .image("docker.io/infometis/two:1.0", Map.of("base.txt", "shared"), Map.of("two.txt", "2"))
                .done();
        Path bundle = TestBundles.write(tmp.resolve("b.tar"), layout, TestBundles.k0sStandIn(tmp.resolve("k0s")),
                tmp.resolve("none"), List.of(), null);
        BundleFile file = new BundleFile(bundle, tmp.resolve("state"), new HostGate(false, null));
        Path images = file.directory().resolve("images");
        assertEquals(List.of("docker.io/infometis/one:1.0", "docker.io/infometis/two:1.0"), OciArchive.refs(images));
        for (BundleManifest.Image image : file.manifest().images()) {
            Processes.Result r = Processes.run(List.of("ctr", "-a", CONTAINERD.socket().toString(), "-n", "k8s.io", "images",
                    "import", "-"), Map.of(), Duration.ofSeconds(60), stdin -> OciArchive.write(images, image.ref(), stdin), null);
            assertTrue(r.ok(), r.stderr() + r.stdout());
            String ls = CONTAINERD.ctrOk("-n", "k8s.io", "images", "ls");
            assertTrue(ls.lines().anyMatch(l -> l.startsWith(image.ref() + " ") && l.contains(image.digest())), ls);
        }
        assertEquals(2, CONTAINERD.ctrOk("-n", "k8s.io", "images", "ls", "-q").lines().count());
        assertTrue(Files.isDirectory(images));
    }
}
