package io.infometis.installer.host;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.testing.ContainerdExtension;
import io.infometis.installer.testing.K0sStandIn;
import io.infometis.installer.testing.Runs;
import io.infometis.installer.testing.TestBundles;

/** Unpin and remove against Debian's containerd, through {@code k0s ctr} (the stand-in forwards to ctr). */
class K0sContainerdPruneTest {
    @RegisterExtension
    static final ContainerdExtension CONTAINERD = new ContainerdExtension();

    @TempDir
    Path tmp;

    @Test
    void unpinsThenRemovesAnImageAndRemovingItAgainIsHarmless() throws Exception {
        Runs.clearImages(CONTAINERD);
        Path layout = TestBundles.layout(tmp.resolve("layout")).image(TestBundles.TINY_REF, Map.of("a.txt", "a\n")).done();
        Path tar = tmp.resolve("img.tar");
        new ProcessBuilder("tar", "-C", layout.toString(), "-cf", tar.toString(), ".").inheritIO().start().waitFor();
        CONTAINERD.ctrOk("-n", "k8s.io", "images", "import", tar.toString());
        K0sStandIn k0s = K0sStandIn.write(tmp.resolve("bin"), tmp.resolve("root"), CONTAINERD.socket(), null, 0).started();
        K0sContainerd containerd = new K0sContainerd(new K0sCli(k0s.binary(), Duration.ofMinutes(1)), Duration.ofMinutes(1));

        containerd.label(TestBundles.TINY_REF, K0sContainerd.PINNED, "pinned");
        assertTrue(containerd.images().get(TestBundles.TINY_REF).pinned());
        containerd.unlabel(TestBundles.TINY_REF, K0sContainerd.PINNED);
        assertFalse(containerd.images().get(TestBundles.TINY_REF).pinned(), "the label is gone, not set to empty");
        assertFalse(containerd.images().get(TestBundles.TINY_REF).labels().containsKey(K0sContainerd.PINNED));
        containerd.remove(TestBundles.TINY_REF);
        assertNull(containerd.images().get(TestBundles.TINY_REF));
        // ctr 1.6 reports "image not found" on stderr but exits 0: removing twice (a resumed prune) is harmless.
        containerd.remove(TestBundles.TINY_REF);
        assertNull(containerd.images().get(TestBundles.TINY_REF));
    }
}
