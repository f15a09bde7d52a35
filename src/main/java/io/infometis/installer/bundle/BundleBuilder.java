package io.infometis.installer.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.infometis.installer.Json;
import io.infometis.installer.InstallerException;

/**
 * {@code bundle build}: reads the spec, checks k0s against its sha256, copies every image byte for byte into the
 * blob cache, and writes the bundle (docs/bundle-format.md). Runs on a connected machine.
 */
public final class BundleBuilder {

    /**
     * @param platforms          e.g. {@code linux/amd64}; an index keeps only these platforms' manifests
     * @param insecureRegistries {@code HOST:PORT}s allowed over plain HTTP
     * @param jobs               blobs fetched at once
     * @param mirrors            registries fetched from a mirror ({@code --mirror}), under their canonical refs
     */
    public record Options(Path spec, Path out, Path signingKey, List<String> platforms, Set<String> insecureRegistries,
            Path cacheDir, int jobs, RegistryMirrors mirrors) {
        public Options {
            mirrors = mirrors == null ? RegistryMirrors.NONE : mirrors;
        }
    }

    public BundleManifest build(Options o, PrintWriter out, boolean terminal) throws IOException {
        long started = System.nanoTime();
        BundleSpec spec = BundleSpec.read(o.spec());
        BundleSpec.K0sSource k0s = spec.k0s();
        if (!Digests.isSha256Hex(k0s.sha256())) {
            throw InstallerException.invalidInput("bundle spec " + o.spec() + ": k0s.sha256 '" + k0s.sha256()
                    + "' is not a sha256 hex digest", "fill it from the k0s release's sha256sums file");
        }
        PrivateKey key = o.signingKey() == null ? null : BundleSignature.readPrivateKey(o.signingKey());
        Set<String> platforms = new LinkedHashSet<>(o.platforms().isEmpty() ? List.of("linux/amd64") : o.platforms());
        Path cacheDir = o.cacheDir() != null ? o.cacheDir() : BlobCache.defaultDir();
        BlobCache cache = new BlobCache(cacheDir);
        Path k0sFile = k0sBinary(k0s, o.spec().toAbsolutePath().getParent(), cache);
        // The cache dir, not /tmp, holds the runnable copy: /tmp is often mounted noexec.
        K0sImages.Listed k0sImages = K0sImages.resolve(k0sFile, k0s, cacheDir);
        out.printf("k0s %s: %d images, %s%n", k0s.version(), k0sImages.refs().size(), k0sImages.source());
        Map<String, String> groups = groups(k0sImages.refs(), spec.images());
        List<ImageRef> refs = groups.keySet().stream().map(ImageRef::parse).toList();

        RegistryClient registry = new RegistryClient(o.insecureRegistries(), o.mirrors());
        BuildProgress progress = new BuildProgress(out, terminal);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, o.jobs()), r -> {
            Thread t = new Thread(r, "bundle-fetch");
            t.setDaemon(true);
            return t;
        });
        try {
            // Manifests first (small), so every digest and size of the bundle is known and the whole file can be
            // laid out; then the configs and layers are fetched in parallel, each into the cache (which makes an
            // interrupted build resume) and straight into its place in the bundle; blobs already cached are
            // copied in meanwhile.
            ImageCopier copier = new ImageCopier(registry, cache, pool);
            List<ImageCopier.Planned> planned = new ArrayList<>();
            Set<String> fetching = new HashSet<>();
            for (ImageRef ref : refs) {
                planned.add(copier.plan(ref, platforms, fetching));
            }
            List<ImageCopier.Copied> copied = planned.stream().map(ImageCopier.Planned::image).toList();
            String platform = String.join(",", platforms);
            List<BundleManifest.Image> images = copied.stream()
                    .map(c -> new BundleManifest.Image(c.ref().toString(), c.digest(), c.mediaType(), platform, c.size(),
                            groups.get(c.ref().toString()))).toList();
            BundleManifest manifest = new BundleManifest(BundleManifest.FORMAT_VERSION, spec.name(), spec.version(),
                    Instant.now().truncatedTo(ChronoUnit.SECONDS), platform,
                    new BundleManifest.K0s(k0s.version(), BundleEntries.K0S, k0s.sha256()), images, spec.components(),
                    spec.volumes(), null);
            BundleWriter w = writer(o, spec, k0sFile, cache, copied, fetching);
            BundleManifest written;
            List<CompletableFuture<Void>> imagesDone = new ArrayList<>();
            try (BundleWriter.Partial bundle = w.open(o.out(), manifest, key)) {
                List<CompletableFuture<Void>> blobs = new ArrayList<>();
                for (ImageCopier.Planned p : planned) {
                    ImageCopier.Fetching f = copier.fetch(p, progress.start(p.image().ref().toString()),
                            digest -> bundle.region(Digests.hexOf(digest)));
                    blobs.addAll(f.blobs().values());
                    imagesDone.add(f.done());
                }
                written = bundle.complete(blobs);
            }
            imagesDone.forEach(CompletableFuture::join); // every image's line is out before the summary
            Map<String, Long> unique = new LinkedHashMap<>();
            copied.forEach(c -> unique.putAll(c.blobs()));
            long blobBytes = unique.values().stream().mapToLong(Long::longValue).sum();
            long imageBytes = images.stream().mapToLong(BundleManifest.Image::size).sum();
            out.printf("wrote %s: %d images, %s of blobs (deduplication saved %s), %s in %.1f s%n", o.out(), images.size(),
                    BuildProgress.mb(blobBytes), BuildProgress.mb(imageBytes - blobBytes),
                    key == null ? "unsigned" : "signed", (System.nanoTime() - started) / 1e9);
            out.flush();
            return written;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Every image of the bundle, in order, with its group: k0s's own first (the node needs them before anything
     * else runs), then the stack's. An image in both lists is a spec error: it would have two groups.
     */
    static Map<String, String> groups(List<String> k0sImages, List<String> stackImages) {
        Map<String, String> groups = new LinkedHashMap<>();
        k0sImages.forEach(ref -> groups.put(ImageRef.parse(ref).toString(), BundleManifest.Image.K0S));
        for (String ref : stackImages) {
            String canonical = ImageRef.parse(ref).toString();
            String before = groups.putIfAbsent(canonical, BundleManifest.Image.STACK);
            if (before != null) {
                throw InstallerException.invalidInput("bundle spec: image " + ref + " is listed twice"
                        + (before.equals(BundleManifest.Image.K0S) ? " (k0s runs it too)" : ""),
                        "list each image once; k0s's own images come from k0s.images");
            }
        }
        return groups;
    }

    /** The bundle's files in order: the OCI layout (blobs to be fetched are pending), k0s, the manifests. */
    private static BundleWriter writer(Options o, BundleSpec spec, Path k0sFile, BlobCache cache,
            List<ImageCopier.Copied> copied, Set<String> fetching) throws IOException {
        BundleWriter w = new BundleWriter();
        w.addBytes(BundleEntries.OCI_LAYOUT, OciLayout.LAYOUT_FILE.getBytes(), 0644);
        w.addBytes(BundleEntries.OCI_INDEX, index(copied), 0644);
        Map<String, Long> unique = new LinkedHashMap<>();
        copied.forEach(c -> unique.putAll(c.blobs()));
        for (Map.Entry<String, Long> blob : unique.entrySet()) {
            if (fetching.contains(blob.getKey())) {
                w.addPendingBlob(Digests.hexOf(blob.getKey()), blob.getValue());
            } else {
                w.addBlob(Digests.hexOf(blob.getKey()), cache.path(blob.getKey()), true);
            }
        }
        w.addVerifiedFile(BundleEntries.K0S, k0sFile, spec.k0s().sha256(), 0755);
        Path manifestsDir = BundleSpec.manifestsDir(o.spec(), spec);
        for (BundleManifest.Component c : spec.components()) {
            for (String m : c.manifests()) {
                w.addFile(m, manifestsDir.resolve(m.substring(BundleEntries.MANIFESTS.length())), 0644);
            }
        }
        return w;
    }

    /** index.json: every image under its fully qualified ref (containerd names a bare tag import-DATE:tag). */
    private static byte[] index(List<ImageCopier.Copied> copied) throws IOException {
        ObjectNode index = Json.MAPPER.createObjectNode();
        index.put("schemaVersion", 2).put("mediaType", OciLayout.OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        for (ImageCopier.Copied c : copied) {
            ObjectNode d = manifests.addObject();
            d.put("mediaType", c.mediaType()).put("digest", c.digest()).put("size", c.topSize());
            d.putObject("annotations").put(OciLayout.REF_NAME, c.ref().toString());
        }
        return Json.MAPPER.writeValueAsBytes(index);
    }

    /** The k0s binary from a local path (relative to the spec) or an https URL, checked against its sha256. */
    static Path k0sBinary(BundleSpec.K0sSource k0s, Path specDir, BlobCache cache) throws IOException {
        String source = k0s.source();
        if (source == null || source.isBlank()) {
            throw InstallerException.invalidInput("bundle spec: k0s.source is empty", "give an https URL or a local path");
        }
        Path file;
        if (source.startsWith("https://")) {
            file = cache.path("sha256:" + k0s.sha256());
            if (Files.isRegularFile(file) && Digests.sha256(file).equals(k0s.sha256())) {
                return file; // checked just now: k0s is ~250 MB, so it is hashed once per build, not twice
            }
            download(URI.create(source), file);
        } else if (source.contains("://")) {
            throw InstallerException.invalidInput("bundle spec: k0s.source " + source + " is neither https nor a local path",
                    "use the https release URL or download it and give its path");
        } else {
            file = specDir.resolve(source).normalize();
            if (!Files.isRegularFile(file)) {
                throw InstallerException.invalidInput("bundle spec: k0s.source " + file + " not found", "check the path");
            }
        }
        String got = Digests.sha256(file);
        if (!got.equals(k0s.sha256())) {
            throw InstallerException.invalidInput("k0s from " + source + " has sha256 " + got + ", the spec says " + k0s.sha256(),
                    "check the download, or fill k0s.sha256 from the k0s release's sha256sums file");
        }
        return file;
    }

    private static void download(URI uri, Path dest) throws IOException {
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(20)).build();
        Path tmp = Files.createTempFile(dest.getParent(), ".k0s", ".partial");
        try {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                r.body().close();
                throw InstallerException.failed("downloading k0s from " + uri + ": HTTP " + r.statusCode(), "check the URL", null);
            }
            try (InputStream in = r.body()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
