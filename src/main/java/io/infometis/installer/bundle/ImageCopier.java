package io.infometis.installer.bundle;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;

import io.infometis.installer.cli.InstallerException;

/**
 * Copies one image from its registry into the blob cache, byte for byte: the manifest (or index) as served, the
 * manifests of the wanted platforms, and every config and layer, fetched in parallel on the shared bounded pool.
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

    Copied copy(ImageRef ref, Set<String> platforms, BuildProgress.Line line) throws IOException {
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
                addBlobs(OciLayout.parse(m.body()), blobs, toFetch);
            }
        } else if (OciLayout.isManifest(top.mediaType())) {
            addBlobs(doc, blobs, toFetch);
        } else {
            throw InstallerException.invalidInput(ref + " has media type " + top.mediaType() + ", not an OCI or Docker v2 image",
                    "rebuild or re-push the image with a current tool");
        }
        long total = blobs.values().stream().mapToLong(Long::longValue).sum();
        long cached = total - toFetch.stream().mapToLong(OciLayout.Descriptor::size).sum();
        line.total(total, cached);
        List<Future<?>> running = new ArrayList<>();
        for (OciLayout.Descriptor d : toFetch) {
            running.add(pool.submit(() -> {
                registry.blob(ref, d.digest(), d.size(), cache.path(d.digest()), line::add);
                return null;
            }));
        }
        try {
            for (Future<?> f : running) {
                f.get();
            }
        } catch (ExecutionException e) {
            running.forEach(f -> f.cancel(true));
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            running.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        line.finished(top.digest());
        return new Copied(ref, top.digest(), top.mediaType(), top.body().length, blobs);
    }

    private void addBlobs(JsonNode manifest, Map<String, Long> blobs, List<OciLayout.Descriptor> toFetch) throws IOException {
        for (OciLayout.Descriptor b : OciLayout.blobs(manifest)) {
            if (blobs.putIfAbsent(b.digest(), b.size()) == null && !cache.has(b.digest(), b.size())
                    && toFetch.stream().noneMatch(t -> t.digest().equals(b.digest()))) {
                toFetch.add(b);
            }
        }
    }
}
