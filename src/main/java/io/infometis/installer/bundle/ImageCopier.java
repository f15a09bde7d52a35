package io.infometis.installer.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import io.infometis.installer.InstallerException;

/**
 * Copies one image from its registry into the blob cache, byte for byte: first the manifest (or index) as served
 * and the manifests of the wanted platforms ({@link #plan}), then every config and layer, fetched in parallel on
 * the shared bounded pool ({@link #fetch}).
 */
final class ImageCopier {
    private final RegistryClient registry;
    private final BlobCache cache;
    private final ExecutorService pool;

    /** The copied image: its top descriptor and every blob it needs (top document included), digest → size. */
    record Copied(ImageRef ref, String digest, String mediaType, long topSize, Map<String, Long> blobs) {
        long size() {
            return blobs.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    ImageCopier(RegistryClient registry, BlobCache cache, ExecutorService pool) {
        this.registry = registry;
        this.cache = cache;
        this.pool = pool;
    }

    /** What an image needs, with its manifests already fetched and cached; {@code missing} are not yet cached. */
    record Planned(Copied image, List<OciLayout.Descriptor> missing) {
    }

    /** Fetches the image's manifest (and its wanted platforms' manifests) into the cache; no layers yet. */
    Planned plan(ImageRef ref, Set<String> platforms, Set<String> alreadyPlanned) throws IOException {
        RegistryClient.Fetched top = registry.manifest(ref, ref.reference());
        cache.put(top.digest(), top.body());
        Map<String, Long> blobs = new LinkedHashMap<>();
        blobs.put(top.digest(), (long) top.body().length);
        List<OciLayout.Descriptor> toFetch = new ArrayList<>();
        JsonNode doc = OciLayout.parse(top.body());
        if (OciLayout.isIndex(top.mediaType())) {
            List<OciLayout.Descriptor> wanted = OciLayout.manifests(doc).stream()
                    .filter(d -> OciLayout.wanted(d.platform(), platforms)).toList();
            if (wanted.isEmpty()) {
                throw InstallerException.invalidInput(ref + " has no manifest for " + String.join(",", platforms),
                        "choose a platform it is built for with --platform");
            }
            for (OciLayout.Descriptor d : wanted) {
                RegistryClient.Fetched m = registry.manifest(ref, d.digest());
                if (m.body().length != d.size()) {
                    throw InstallerException.failed("fetching " + ref + ": manifest " + d.digest() + " is " + m.body().length
                            + " bytes, the index says " + d.size(), "the registry serves inconsistent content", null);
                }
                cache.put(m.digest(), m.body());
                blobs.put(m.digest(), d.size());
                addBlobs(OciLayout.parse(m.body()), blobs, toFetch, alreadyPlanned);
            }
        } else if (OciLayout.isManifest(top.mediaType())) {
            addBlobs(doc, blobs, toFetch, alreadyPlanned);
        } else {
            throw InstallerException.invalidInput(ref + " has media type " + top.mediaType() + ", not an OCI or Docker v2 image",
                    "rebuild or re-push the image with a current tool");
        }
        return new Planned(new Copied(ref, top.digest(), top.mediaType(), top.body().length, blobs), toFetch);
    }

    /** The blobs being fetched, by digest, and the image as a whole (done once its line is printed). */
    record Fetching(Map<String, CompletableFuture<Void>> blobs, CompletableFuture<Void> done) {
    }

    /**
     * Starts fetching the planned image's missing blobs on the bounded pool, each into the cache and into its
     * region of the bundle ({@code regions}: digest → region): one future per blob; the image's line is finished
     * when all have landed.
     */
    Fetching fetch(Planned p, BuildProgress.Line line, Function<String, BundleWriter.Region> regions) {
        long total = p.image().size();
        long cached = total - p.missing().stream().mapToLong(OciLayout.Descriptor::size).sum();
        line.total(total, cached);
        Map<String, CompletableFuture<Void>> running = new LinkedHashMap<>();
        for (OciLayout.Descriptor d : p.missing()) {
            running.put(d.digest(), CompletableFuture.runAsync(() -> {
                try {
                    registry.blob(p.image().ref(), d.digest(), d.size(), cache.path(d.digest()), regions.apply(d.digest()),
                            line::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, pool));
        }
        CompletableFuture<Void> done = CompletableFuture.allOf(running.values().toArray(CompletableFuture[]::new))
                .thenRun(() -> line.finished(p.image().digest()));
        return new Fetching(running, done);
    }

    /** Adds config and layers; a blob another image already fetches, or the cache holds, is not fetched again. */
    private void addBlobs(JsonNode manifest, Map<String, Long> blobs, List<OciLayout.Descriptor> toFetch,
            Set<String> alreadyPlanned) throws IOException {
        for (OciLayout.Descriptor b : OciLayout.blobs(manifest)) {
            if (blobs.putIfAbsent(b.digest(), b.size()) == null && !cache.has(b.digest(), b.size())
                    && alreadyPlanned.add(b.digest())) {
                toFetch.add(b);
            }
        }
    }
}
