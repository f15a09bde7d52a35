package io.infometis.installer.phase;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

import io.infometis.installer.bundle.BundleManifest.Image;
import io.infometis.installer.bundle.ImageArchive;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.host.Containerd;
import io.infometis.installer.host.Containerd.StoredImage;
import io.infometis.installer.host.K0sContainerd;

/**
 * Puts the bundle's images into k0s's containerd. One listing says what is there; only images missing or under
 * another digest are imported, all of them in one streamed {@code ctr images import -}; every image is then checked
 * by digest (ctr's own line for it, else a second listing) and pinned against kubelet's image GC. k0s's own {@code /var/lib/k0s/images} auto-import is not used:
 * it forgets what it imported on restart and never says when it is done (docs/architecture.md).
 */
public final class ImagesPhase implements Phase {
    private final Containerd containerd;

    public ImagesPhase(Containerd containerd) {
        this.containerd = containerd;
    }

    @Override
    public String name() {
        return "images";
    }

    @Override
    public String title() {
        return "Import container images into containerd";
    }

    @Override
    public Duration timeout() {
        return Duration.ofMinutes(30);
    }

    @Override
    public double weight() {
        return 4;
    }

    @Override
    public List<String> units(PhaseContext ctx) {
        return ctx.bundle() == null ? List.of() : ctx.bundle().manifest().images().stream().map(Image::ref).toList();
    }

    @Override
    public void run(PhaseContext ctx) throws Exception {
        List<Image> expected = ctx.bundle().manifest().images();
        Map<String, StoredImage> stored = containerd.images();
        List<Image> missing = new ArrayList<>();
        List<Image> unpinned = new ArrayList<>();
        for (Image image : expected) {
            StoredImage s = stored.get(image.ref());
            if (s == null || !matches(s, image)) {
                missing.add(image);
            } else if (!s.pinned()) {
                unpinned.add(image);
            } else {
                ctx.unitSkipped(image.ref(), "present as " + s.digest());
            }
        }
        if (!missing.isEmpty()) {
            importMissing(ctx, missing, stored);
        }
        for (Image image : unpinned) {
            ctx.unitStarted(image.ref());
            pin(ctx, image.ref());
            ctx.unitDone(image.ref(), "present as " + stored.get(image.ref()).digest() + "; pinned");
        }
    }

    private void importMissing(PhaseContext ctx, List<Image> missing, Map<String, StoredImage> before) throws Exception {
        for (Image image : missing) {
            StoredImage s = before.get(image.ref());
            if (s != null) {
                ctx.step(image.ref() + " is " + s.digest() + " in containerd, the bundle has " + image.digest() + ": replacing it");
            }
        }
        ImageArchive selected = ImageArchive.select(ctx.bundle().directory().resolve("images"), missing);
        selected.verifyMetadata();
        // A layout this run unpacked had every byte hashed minutes ago, by the same process: a second SHA-256 of it
        // would cost CPU that ctr and containerd need (docs/executable.md). One from an earlier run is hashed again.
        boolean verifiedOnUnpack = ctx.bundle().unpackedAndVerifiedByThisProcess();
        ImageArchive archive = verifiedOnUnpack ? selected.layersVerifiedOnUnpack() : selected;
        ctx.step("importing " + missing.size() + " images: " + archive.blobCount() + " blobs, " + archive.bytes() / (1 << 20)
                + " MiB, " + (verifiedOnUnpack ? "checked against their digests as this run unpacked the bundle"
                        : "each checked against its digest as it streams"));
        for (Image image : missing) {
            ctx.unitStarted(image.ref());
        }
        Map<String, Image> byRef = new ConcurrentHashMap<>();
        missing.forEach(i -> byRef.put(i.ref(), i));
        Set<String> done = ConcurrentHashMap.newKeySet();
        Map<String, String> reported = new ConcurrentHashMap<>();
        // Pinning runs beside the import: ctr goes on unpacking the next image while the last one is labelled.
        ExecutorService pinning = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "pin-image");
            t.setDaemon(true);
            return t;
        });
        List<Future<?>> pins = new ArrayList<>();
        Map<String, StoredImage> after;
        try {
            ctx.host().mutate("import " + missing.size() + " images into containerd (namespace k8s.io): "
                    + String.join(", ", archive.refs()), () -> importArchive(archive, missing, reported, unpacked -> {
                        // ctr reports each image once its content is stored: pin and journal it at once, so progress
                        // moves per image and a crash later in the stream keeps what is finished.
                        Image image = byRef.get(unpacked.ref());
                        if (image != null) {
                            reported.put(image.ref(), unpacked.digest());
                        }
                        if (image != null && done.add(image.ref())) {
                            synchronized (pins) {
                                pins.add(pinning.submit(() -> {
                                    pin(ctx, image.ref());
                                    ctx.unitDone(image.ref(), "imported " + unpacked.digest());
                                    return null;
                                }));
                            }
                        }
                    }));
            // ctr names each image it stored, with its digest, once the image is complete, and a pin fails on an image
            // containerd does not hold: when those lines account for every image, a second listing would only repeat
            // them. Otherwise (a ctr that prints less) the check listing runs while the last pins finish.
            after = confirmedByCtr(missing, reported) ? null : containerd.images();
            synchronized (pins) {
                for (Future<?> f : pins) {
                    try {
                        f.get();
                    } catch (ExecutionException e) {
                        throw e.getCause() instanceof Exception ex ? ex : new IOException(e.getCause());
                    }
                }
            }
        } finally {
            pinning.shutdownNow();
        }
        for (Image image : missing) {
            StoredImage s = after == null ? new StoredImage(image.ref(), reported.get(image.ref()), Map.of()) : after.get(image.ref());
            if (s == null || !matches(s, image)) {
                ctx.unitFailed(image.ref(), s == null ? "absent after import" : "is " + s.digest() + " after import");
                throw new InstallerException("image " + image.ref() + (s == null ? " is not in containerd after import"
                        : " is " + s.digest() + " in containerd after import, expected " + image.digest()),
                        "look at k0s's containerd log; rerun to retry", ExitCodes.FAILED);
            }
            if (done.add(image.ref())) {
                pin(ctx, image.ref());
                ctx.unitDone(image.ref(), "imported " + s.digest());
            }
        }
    }

    private static boolean confirmedByCtr(List<Image> missing, Map<String, String> reported) {
        return missing.stream().allMatch(i -> reported.containsKey(i.ref()) && matches(reported.get(i.ref()), i));
    }

    /**
     * A blob that fails its digest cuts the stream, so ctr fails too: report the blob, not ctr's "unexpected EOF".
     * When the layers were not hashed as they streamed (this run unpacked them), a failed import may have named
     * images whose content never arrived: ctr names every image once the stream is in, then unpacks them one by one.
     * Those are removed, so a rerun imports them again instead of finding them present, and the layout is hashed to
     * say whether a blob changed since the unpack.
     */
    private void importArchive(ImageArchive archive, List<Image> missing, Map<String, String> reported,
            Consumer<StoredImage> unpacked) throws IOException {
        try {
            containerd.importArchive(archive::write, unpacked);
        } catch (IOException e) {
            if (archive.defect() != null) {
                throw archive.defect();
            }
            if (archive.layersHashedAsTheyStream()) {
                throw e;
            }
            // ctr's failure is the one to report unless a blob changed; what went wrong after it comes with it.
            try {
                Map<String, StoredImage> named = containerd.images();
                for (Image image : missing) {
                    if (!reported.containsKey(image.ref()) && named.containsKey(image.ref())) {
                        containerd.remove(image.ref());
                    }
                }
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            try {
                archive.verifyLayers(); // throws the bundle defect when a blob changed since the unpack
            } catch (IOException unreadable) {
                e.addSuppressed(unreadable);
            }
            throw e;
        }
        if (archive.defect() != null) {
            throw archive.defect();
        }
    }

    private void pin(PhaseContext ctx, String ref) throws IOException {
        ctx.host().mutate("label " + ref + " " + K0sContainerd.PINNED + "=pinned",
                () -> containerd.label(ref, K0sContainerd.PINNED, "pinned"));
    }

    private static boolean matches(StoredImage s, Image image) {
        return matches(s.digest(), image);
    }

    private static boolean matches(String digest, Image image) {
        return image.digest() == null || image.digest().equals(digest);
    }

    /** A dry run cannot ask containerd (k0s is not running yet): it plans every image of the bundle. */
    @Override
    public void dryRun(PhaseContext ctx) {
        List<Image> images = ctx.bundle().manifest().images();
        ctx.plan("list containerd's images once (k0s ctr -n k8s.io images ls); import only those missing or different");
        for (Image image : images) {
            ctx.plan("import " + image.ref() + (image.digest() == null ? "" : " (" + image.digest() + ")")
                    + " unless present; pin it (" + K0sContainerd.PINNED + "=pinned)");
        }
    }
}
