package io.infometis.installer.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import io.infometis.installer.bundle.BundleSpec;
import io.infometis.installer.bundle.Digests;
import io.infometis.installer.bundle.ImageRef;

/**
 * Tiny stand-in copies of k0s's system images, pushed into a test registry under their <em>real repository paths</em>,
 * so that {@code bundle build --mirror quay.io=HOST:PORT} makes a bundle whose refs are exactly the ones k0s uses.
 * <p>
 * The list is the one source of truth: {@code k0s.images} in the repository's {@code bundle/bundle.yaml} (what
 * {@code bundle build} checks against {@code k0s airgap list-images}). Each stand-in is a single-layer linux/amd64 OCI
 * image whose one file names its ref, so every image has its own digest.
 *
 * <pre>
 * &#64;RegisterExtension static final RegistryExtension REGISTRY = new RegistryExtension();
 * Map&lt;String, String&gt; digests = K0sSystemImages.push(REGISTRY);       // canonical ref → manifest digest
 * // bundle build … --insecure-registry REGISTRY.host() plus, for each flag:
 * List&lt;String&gt; flags = K0sSystemImages.mirrorFlags(REGISTRY);       // ["quay.io=127.0.0.1:PORT", …]
 * </pre>
 * In the spec, either give {@code k0s.source} the stand-in {@code TestBundles.k0sStandIn(path)} (it answers
 * {@code airgap list-images} with {@link #refs()}, so {@code bundle build} takes the list from "k0s"), with
 * {@code k0s.images} empty or equal to {@link #refs()}; or give it a file that does not run here (a few bytes) and pin
 * the list in {@code k0s.images}. A bundle <em>missing one</em> k0s image, for the failure tests: the second way,
 * pinning {@link #refsWithout refsWithout("pause")}; the registry may still hold all of them.
 */
public final class K0sSystemImages {
    private static final Path SPEC = Path.of("bundle/bundle.yaml");

    private K0sSystemImages() {
    }

    /** k0s's system images, as pinned in {@code bundle/bundle.yaml} ({@code k0s.images}), in k0s's order. */
    public static List<String> refs() {
        return BundleSpec.read(SPEC).k0s().images();
    }

    /** {@link #refs()} without the images whose repository's last path segment is {@code name} (e.g. "pause"). */
    public static List<String> refsWithout(String name) {
        List<String> kept = refs().stream().filter(r -> !lastSegment(ImageRef.parse(r).repository()).equals(name)).toList();
        if (kept.size() == refs().size()) {
            throw new IllegalArgumentException("no k0s image named " + name + " in " + refs());
        }
        return kept;
    }

    /** Pushes a stand-in of every image of {@link #refs()}; returns canonical ref → manifest digest. */
    public static Map<String, String> push(RegistryExtension registry) throws IOException, InterruptedException {
        return push(registry, refs());
    }

    /**
     * Pushes a stand-in for each canonical ref under its repository path and tag into {@code registry}
     * ({@code quay.io/k0sproject/pause:3.10.1} becomes {@code HOST:PORT/k0sproject/pause:3.10.1}).
     *
     * @return canonical ref → the digest the registry serves for it (what the bundle must record)
     */
    public static Map<String, String> push(RegistryExtension registry, List<String> canonicalRefs)
            throws IOException, InterruptedException {
        RegistryPush push = new RegistryPush(registry);
        Map<String, String> digests = new LinkedHashMap<>();
        for (String canonical : canonicalRefs) {
            ImageRef ref = ImageRef.parse(canonical);
            byte[] layerTar = tar("standin.txt", ("stand-in for " + canonical + "\n").getBytes(StandardCharsets.UTF_8));
            byte[] layer = gzip(layerTar);
            String layerDigest = push.blob(ref.repository(), layer);
            byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\","
                    + "\"diff_ids\":[\"sha256:" + Digests.sha256(layerTar) + "\"]}}").getBytes(StandardCharsets.UTF_8);
            String configDigest = push.blob(ref.repository(), config);
            byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{"
                    + "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest + "\",\"size\":"
                    + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\""
                    + layerDigest + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
            digests.put(canonical, push.manifest(ref.repository(), ref.reference(),
                    "application/vnd.oci.image.manifest.v1+json", manifest));
        }
        return digests;
    }

    /** {@code --mirror} values sending every registry of {@link #refs()} to {@code registry}. */
    public static List<String> mirrorFlags(RegistryExtension registry) {
        Set<String> registries = new LinkedHashSet<>();
        refs().forEach(r -> registries.add(ImageRef.parse(r).registry()));
        List<String> flags = new ArrayList<>();
        registries.forEach(r -> flags.add(r + "=" + registry.host()));
        return flags;
    }

    private static String lastSegment(String repository) {
        return repository.substring(repository.lastIndexOf('/') + 1);
    }

    private static byte[] tar(String name, byte[] content) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bos)) {
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(content.length);
            e.setModTime(0);
            tar.putArchiveEntry(e);
            tar.write(content);
            tar.closeArchiveEntry();
        }
        return bos.toByteArray();
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(bytes);
        }
        return bos.toByteArray();
    }
}
