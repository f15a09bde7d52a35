package io.infometis.installer.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.host.Containerd;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.K0sContainerd;
import io.infometis.installer.host.Processes;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.ContainerdExtension;
import io.infometis.installer.testing.DirectoryBundle;
import io.infometis.installer.testing.ForwardingContainerd;
import io.infometis.installer.testing.K0sStandIn;
import io.infometis.installer.testing.OciImages;
import io.infometis.installer.testing.Runs;

/** The images phase against Debian's real containerd, through the k0s stand-in's {@code ctr}. */
class ImagesPhaseTest {
    @RegisterExtension
    static final ContainerdExtension CONTAINERD = new ContainerdExtension();

    @TempDir
    Path tmp;
    Path root;
    K0sStandIn k0s;
    DirectoryBundle bundle;
    List<BundleManifest.Image> images;

    @BeforeEach
    void setUp() throws Exception {
        Runs.clearImages(CONTAINERD);
        root = Files.createDirectories(tmp.resolve("root"));
        k0s = K0sStandIn.write(tmp.resolve("bin"), root, CONTAINERD.socket(), null, 0).started();
        List<String> refs = IntStream.rangeClosed(1, 5).mapToObj(i -> "docker.io/infometis-test/img" + i + ":1." + i).toList();
        images = OciImages.write(tmp.resolve("bundle/images"), refs, 64 * 1024, 42);
        bundle = DirectoryBundle.create(tmp.resolve("bundle"), k0s.binary(), K0sStandIn.VERSION, images, List.of());
    }

    private ImagesPhase phase() {
        return new ImagesPhase(containerd());
    }

    private K0sContainerd containerd() {
        return new K0sContainerd(new K0sCli(k0s.binary(), Duration.ofMinutes(1)), Duration.ofMinutes(5));
    }

    private Runs.Run run(DirectoryBundle b, ImagesPhase phase) {
        return Runs.run(Runs.options(root, k0s.binary(), null), b, phase);
    }

    @Test
    void importsEveryImageUnderItsFullRefWithItsDigestAndPinsIt() throws Exception {
        Runs.Run r = run(bundle, phase());

        assertEquals(State.SUCCEEDED, r.outcome().state(), () -> String.valueOf(r.outcome().failure()));
        assertEquals(1, k0s.count("ctr -n k8s.io images import"), "one import call for all five");
        assertEquals(1, k0s.count("ctr -n k8s.io images ls"), "one listing: ctr's own lines confirm each imported image");
        Map<String, Containerd.StoredImage> stored = containerd().images();
        for (BundleManifest.Image i : images) {
            assertEquals(i.digest(), stored.get(i.ref()).digest(), i.ref());
            assertTrue(stored.get(i.ref()).pinned(), i.ref() + " pinned");
        }
        assertEquals(5, Runs.journalUnits(root, "images").values().stream().filter(u -> u.state() == State.SUCCEEDED).count());
    }

    @Test
    void checksByASecondListingWhenCtrDoesNotNameEveryImage() throws Exception {
        K0sContainerd real = containerd();
        // A ctr that prints no "unpacking ... done" lines (another version's output): nothing confirms the import.
        Containerd quiet = new ForwardingContainerd(real) {
            @Override
            public void importArchive(Processes.StdinWriter archive, Consumer<StoredImage> unpacked) throws IOException {
                real.importArchive(archive, line -> { });
            }
        };

        Runs.Run r = run(bundle, new ImagesPhase(quiet));

        assertEquals(State.SUCCEEDED, r.outcome().state(), () -> String.valueOf(r.outcome().failure()));
        assertEquals(2, k0s.count("ctr -n k8s.io images ls"), "the plan's listing and the check listing");
        Map<String, Containerd.StoredImage> stored = real.images();
        for (BundleManifest.Image i : images) {
            assertEquals(i.digest(), stored.get(i.ref()).digest(), i.ref());
            assertTrue(stored.get(i.ref()).pinned(), i.ref() + " pinned");
        }
    }

    @Test
    void skipsImagesAlreadyPresentWithOneListing() throws Exception {
        run(bundle, phase());
        k0s.clearCalls();

        Runs.Run again = run(bundle, phase());

        assertEquals(State.SUCCEEDED, again.outcome().state());
        assertEquals(List.of("ctr -n k8s.io images ls"), k0s.calls(), "one listing, no import, no label");
        Runs.journalUnits(root, "images").values().forEach(u -> assertEquals(State.SKIPPED, u.state()));
    }

    @Test
    void reimportsExactlyTheImageDeletedBetweenRuns() throws Exception {
        run(bundle, phase());
        BundleManifest.Image gone = images.get(2);
        CONTAINERD.ctrOk("-n", "k8s.io", "images", "rm", "--sync", gone.ref());
        k0s.clearCalls();

        Runs.Run again = run(bundle, phase());

        assertEquals(State.SUCCEEDED, again.outcome().state());
        assertEquals(1, k0s.count("ctr -n k8s.io images import"));
        assertEquals(List.of("ctr -n k8s.io images label " + gone.ref() + " io.cri-containerd.pinned=pinned"),
                k0s.calls().stream().filter(c -> c.contains(" label ")).toList());
        Map<String, io.infometis.installer.install.Journal.UnitRecord> units = Runs.journalUnits(root, "images");
        assertEquals(State.SUCCEEDED, units.get(gone.ref()).state());
        assertEquals(4, units.values().stream().filter(u -> u.state() == State.SKIPPED).count());
        assertEquals(gone.digest(), containerd().images().get(gone.ref()).digest());
    }

    @Test
    void replacesAnImageStoredUnderAnotherDigest() throws Exception {
        List<BundleManifest.Image> older = OciImages.write(tmp.resolve("older/images"), List.of(images.get(0).ref()), 4096, 99);
        run(DirectoryBundle.create(tmp.resolve("older"), k0s.binary(), K0sStandIn.VERSION, older, List.of()), phase());
        k0s.clearCalls();

        Runs.Run r = run(bundle, phase());

        assertEquals(State.SUCCEEDED, r.outcome().state(), () -> String.valueOf(r.outcome().failure()));
        assertEquals(images.get(0).digest(), containerd().images().get(images.get(0).ref()).digest());
        assertEquals(1, k0s.count("ctr -n k8s.io images import"));
    }

    private static void flipByte(Path file, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0xff);
        }
    }

    @Test
    void aCorruptedLayerImportsNoImageAtAll() throws Exception {
        Path layer = OciImages.layerOf(tmp.resolve("bundle/images"), images.get(3).digest());
        flipByte(layer, Files.size(layer) - 10);

        Runs.Run r = run(bundle, phase());

        assertEquals(State.FAILED, r.outcome().state());
        assertTrue(r.outcome().failure().message().contains("has sha256"), r.outcome().failure().message());
        assertTrue(containerd().images().isEmpty(), "the stream was cut before the bad blob's end: no image named");
        assertFalse(CONTAINERD.ctrOk("-n", "k8s.io", "content", "ls", "-q").contains(images.get(3).digest()),
                "the manifest after the bad layer never arrived");
        assertEquals(0, k0s.count("ctr -n k8s.io images label"));
    }

    @Test
    void aLayoutThisRunUnpackedIsStreamedWithoutASecondHash() throws Exception {
        Runs.Run r = run(bundle.asUnpackedByThisProcess(), phase());

        assertEquals(State.SUCCEEDED, r.outcome().state(), () -> String.valueOf(r.outcome().failure()));
        Map<String, Containerd.StoredImage> stored = containerd().images();
        for (BundleManifest.Image i : images) {
            assertEquals(i.digest(), stored.get(i.ref()).digest(), i.ref());
            assertTrue(stored.get(i.ref()).pinned(), i.ref() + " pinned");
        }
        assertTrue(r.progress().events(0, 1000).events().stream()
                .anyMatch(e -> e.message().endsWith("checked against their digests as this run unpacked the bundle")));
    }

    /**
     * Unhashed, a changed layer reaches containerd whole: ctr stores it under the digest it computes, names every
     * image, and fails unpacking the one whose layer is missing. The phase then names the blob and leaves no image
     * named without its content, so the rerun imports it again instead of pinning it as present.
     */
    @Test
    void aLayerChangedAfterThisRunsUnpackFailsNamingTheBlobAndLeavesNoImageWithoutItsContent() throws Exception {
        Path layout = tmp.resolve("bundle/images");
        Path layer = OciImages.layerOf(layout, images.get(3).digest());
        flipByte(layer, Files.size(layer) - 10);

        Runs.Run r = run(bundle.asUnpackedByThisProcess(), phase());

        assertEquals(State.FAILED, r.outcome().state());
        assertTrue(r.outcome().failure().message().contains("blob sha256:" + layer.getFileName() + " has sha256"),
                r.outcome().failure().message());
        List<String> content = CONTAINERD.ctrOk("-n", "k8s.io", "content", "ls", "-q").lines().toList();
        Map<String, Containerd.StoredImage> stored = containerd().images();
        assertFalse(stored.containsKey(images.get(3).ref()), "named by ctr without its layer: removed");
        assertFalse(stored.isEmpty(), "the stream was not cut: ctr named and unpacked the images before the bad one");
        for (Containerd.StoredImage s : stored.values()) {
            BundleManifest.Image i = images.stream().filter(x -> x.ref().equals(s.ref())).findFirst().orElseThrow();
            assertTrue(content.contains("sha256:" + OciImages.layerOf(layout, i.digest()).getFileName()), i.ref() + "'s layer");
            assertTrue(s.pinned(), i.ref() + " confirmed by ctr, so pinned");
        }

        flipByte(layer, Files.size(layer) - 10); // the operator copies the bundle again
        Runs.Run rerun = run(bundle, phase());

        assertEquals(State.SUCCEEDED, rerun.outcome().state(), () -> String.valueOf(rerun.outcome().failure()));
        stored = containerd().images();
        for (BundleManifest.Image i : images) {
            assertEquals(i.digest(), stored.get(i.ref()).digest(), i.ref());
            assertTrue(stored.get(i.ref()).pinned(), i.ref() + " pinned");
        }
    }

    @Test
    void refusesACorruptedManifestOrConfigBeforeAnyImportCall() throws Exception {
        flipByte(tmp.resolve("bundle/images/blobs/sha256/" + images.get(1).digest().substring(7)), 20);

        Runs.Run r = run(bundle, phase());

        assertEquals(State.FAILED, r.outcome().state());
        assertTrue(r.outcome().failure().message().startsWith("bundle images:"), r.outcome().failure().message());
        assertEquals(0, k0s.count("ctr -n k8s.io images import"));
        assertTrue(containerd().images().isEmpty());
    }

    @Test
    void afterAnInterruptedRunImportsOnlyTheRest() throws Exception {
        // The first run stops after the second of five images: what it finished is in containerd and the journal.
        run(bundle.withImages(images.subList(0, 2)), phase());
        k0s.clearCalls();

        Runs.Run rerun = run(bundle, phase());

        assertEquals(State.SUCCEEDED, rerun.outcome().state());
        Map<String, io.infometis.installer.install.Journal.UnitRecord> units = Runs.journalUnits(root, "images");
        for (int i = 0; i < 5; i++) {
            assertEquals(i < 2 ? State.SKIPPED : State.SUCCEEDED, units.get(images.get(i).ref()).state(), images.get(i).ref());
        }
        assertEquals(3, k0s.calls().stream().filter(c -> c.contains(" label ")).count());
    }

    @Test
    void anImportKilledMidStreamLeavesNoHalfImageAndTheRerunCompletes() throws Exception {
        K0sContainerd real = containerd();
        Containerd dying = new ForwardingContainerd(real) {
            @Override
            public void importArchive(Processes.StdinWriter archive, Consumer<StoredImage> unpacked) throws IOException {
                // The installer dies half-way through the stream: ctr sees a truncated tar.
                real.importArchive(out -> archive.write(new OutputStream() {
                    long written;

                    @Override
                    public void write(int b) throws IOException {
                        write(new byte[] { (byte) b }, 0, 1);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        if (written + len > 150_000) {
                            out.close();
                            throw new IOException("killed");
                        }
                        written += len;
                        out.write(b, off, len);
                    }
                }), unpacked);
            }

        };
        Runs.Run crashed = run(bundle, new ImagesPhase(dying));
        assertEquals(State.FAILED, crashed.outcome().state());
        assertTrue(real.images().isEmpty(), "containerd names an image only once all its content is in: " + real.images());

        Runs.Run rerun = run(bundle, phase());

        assertEquals(State.SUCCEEDED, rerun.outcome().state());
        images.forEach(i -> {
            try {
                assertEquals(i.digest(), real.images().get(i.ref()).digest());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertFalse(Runs.journalUnits(root, "images").values().stream().anyMatch(u -> u.state() == State.FAILED));
    }
}
