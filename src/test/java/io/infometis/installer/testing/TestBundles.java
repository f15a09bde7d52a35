package io.infometis.installer.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.infometis.installer.Json;
import io.infometis.installer.bundle.BundleEntries;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.BundleWriter;
import io.infometis.installer.bundle.Digests;
import io.infometis.installer.bundle.ManifestFolders;
import io.infometis.installer.bundle.OciLayout;

/**
 * Small, valid bundles for tests, in milliseconds and without a registry:
 *
 * <pre>
 * Path bundle = TestBundles.tiny(tempDir);                 // one image, a k0s stand-in, one component
 * Path layout = TestBundles.layout(dir).image("docker.io/acme/a:1", Map.of("hello.txt", "hi")).done();
 * TestBundles.write(out, layout, k0sFile, manifestsDir, volumes, null);
 * </pre>
 *
 * Images are real OCI images (gzip'd layer, config with the right diff_ids), so containerd imports and
 * unpacks them.
 */
public final class TestBundles {
    public static final String TINY_REF = "docker.io/infometis/test-tiny:1.0";
    public static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");

    private TestBundles() {
    }

    /** A complete bundle in {@code dir}: image {@link #TINY_REF}, a shell-script k0s, component 10-demo. */
    public static Path tiny(Path dir) throws IOException {
        return tiny(dir, null);
    }

    public static Path tiny(Path dir, PrivateKey signingKey) throws IOException {
        Path layout = layout(dir.resolve("layout")).image(TINY_REF, Map.of("hello.txt", "hello from the tiny image\n")).done();
        Path k0s = k0sStandIn(dir.resolve("k0s"));
        Path manifests = dir.resolve("manifests");
        Files.createDirectories(manifests.resolve("10-demo"));
        Files.writeString(manifests.resolve("10-demo/configmap.yaml"),
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo, namespace: infometis}\ndata: {a: b}\n");
        List<BundleManifest.Volume> volumes = List.of(
                new BundleManifest.Volume("demo", "data", "1Mi", 1000, 1000, "0750", "demo-data"));
        return write(dir.resolve("infometis-bundle.tar"), layout, k0s, manifests, volumes, signingKey);
    }

    /**
     * An executable shell script standing in for the k0s binary of a bundle: prints its version, and for
     * {@code airgap list-images --config FILE} (FILE must exist, as for k0s) k0s's system images as pinned in
     * {@code bundle/bundle.yaml} ({@link K0sSystemImages#refs()}), one per line as k0s prints them.
     */
    public static Path k0sStandIn(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                #!/bin/sh
                if [ "$1 $2" = "airgap list-images" ]; then
                  [ "$3" = --config ] && [ -f "$4" ] || { echo 'Error: stand-in wants --config FILE' >&2; exit 1; }
                  printf '%%s\\n' %s
                  exit 0
                fi
                echo v1.33.4+k0s.0
                """.formatted(String.join(" ", K0sSystemImages.refs())));
        file.toFile().setExecutable(true);
        return file;
    }

    /**
     * Writes a bundle holding every image of an OCI layout ({@code index.json} entries need a fully qualified
     * {@code org.opencontainers.image.ref.name}), k0s, the manifests folder ({@code NN-name/*.yaml}) and volumes.
     */
    public static Path write(Path out, Path layout, Path k0s, Path manifestsDir, List<BundleManifest.Volume> volumes,
            PrivateKey signingKey) throws IOException {
        return write(out, layout, k0s, "v1.33.4+k0s.0", "0.0.1", manifestsDir, volumes, signingKey);
    }

    /** The same with the bundle's version and the k0s version it declares (upgrade tests build v1, v2, …). */
    public static Path write(Path out, Path layout, Path k0s, String k0sVersion, String bundleVersion, Path manifestsDir,
            List<BundleManifest.Volume> volumes, PrivateKey signingKey) throws IOException {
        BundleWriter w = new BundleWriter();
        w.addFile(BundleEntries.OCI_LAYOUT, layout.resolve("oci-layout"), 0644);
        w.addFile(BundleEntries.OCI_INDEX, layout.resolve("index.json"), 0644);
        List<BundleManifest.Image> images = new ArrayList<>();
        for (JsonNode d : Json.LENIENT.readTree(layout.resolve("index.json").toFile()).path("manifests")) {
            OciLayout.Descriptor desc = OciLayout.descriptor(d);
            long size = walk(layout, desc, w);
            images.add(new BundleManifest.Image(desc.refName(), desc.digest(), desc.mediaType(), "linux/amd64", size,
                    BundleManifest.Image.STACK));
        }
        String k0sSha = Digests.sha256(k0s);
        w.addFile(BundleEntries.K0S, k0s, 0755);
        List<BundleManifest.Component> components = ManifestFolders.components(manifestsDir);
        for (BundleManifest.Component c : components) {
            for (String m : c.manifests()) {
                w.addFile(m, manifestsDir.resolve(m.substring(BundleEntries.MANIFESTS.length())), 0644);
            }
        }
        BundleManifest manifest = new BundleManifest(BundleManifest.FORMAT_VERSION, "infometis-test", bundleVersion, CREATED,
                "linux/amd64", new BundleManifest.K0s(k0sVersion, BundleEntries.K0S, k0sSha), images, components,
                volumes, null);
        w.write(out, manifest, signingKey);
        return out;
    }

    private static long walk(Path layout, OciLayout.Descriptor d, BundleWriter w) throws IOException {
        Path blob = layout.resolve("blobs/sha256/" + d.hex());
        if (!w.has(BundleEntries.blob(d.hex()))) {
            w.addBlob(d.hex(), blob, false);
        }
        long size = d.size();
        if (d.isIndex()) {
            for (OciLayout.Descriptor c : OciLayout.manifests(OciLayout.parse(Files.readAllBytes(blob)))) {
                size += walk(layout, c, w);
            }
        } else if (d.isManifest()) {
            for (OciLayout.Descriptor c : OciLayout.blobs(OciLayout.parse(Files.readAllBytes(blob)))) {
                if (!w.has(BundleEntries.blob(c.hex()))) {
                    w.addBlob(c.hex(), layout.resolve("blobs/sha256/" + c.hex()), false);
                }
                size += c.size();
            }
        }
        return size;
    }

    public static LayoutBuilder layout(Path dir) throws IOException {
        return new LayoutBuilder(dir);
    }

    /** Builds an OCI image layout in Java: each image is one gzip'd layer per {@code files} map, reproducibly. */
    public static final class LayoutBuilder {
        private final Path dir;
        private final ArrayNode manifests = Json.MAPPER.createArrayNode();

        LayoutBuilder(Path dir) throws IOException {
            this.dir = dir;
            Files.createDirectories(dir.resolve("blobs/sha256"));
            Files.writeString(dir.resolve("oci-layout"), OciLayout.LAYOUT_FILE);
        }

        /** An image with one layer per map (in order), so two images built with the same first map share it. */
        @SafeVarargs
        public final LayoutBuilder image(String ref, Map<String, String>... layers) throws IOException {
            ArrayNode layerDescs = Json.MAPPER.createArrayNode();
            ArrayNode diffIds = Json.MAPPER.createArrayNode();
            for (Map<String, String> files : layers) {
                byte[] tar = tar(files);
                byte[] gz = gzip(tar);
                layerDescs.add(desc("application/vnd.oci.image.layer.v1.tar+gzip", blob(gz), gz.length));
                diffIds.add("sha256:" + Digests.sha256(tar));
            }
            ObjectNode config = Json.MAPPER.createObjectNode();
            config.put("architecture", "amd64").put("os", "linux");
            config.putObject("config").putArray("Cmd").add("/hello.txt");
            ObjectNode rootfs = config.putObject("rootfs");
            rootfs.put("type", "layers");
            rootfs.set("diff_ids", diffIds);
            byte[] configBytes = Json.MAPPER.writeValueAsBytes(config);
            ObjectNode manifest = Json.MAPPER.createObjectNode();
            manifest.put("schemaVersion", 2).put("mediaType", OciLayout.OCI_MANIFEST);
            manifest.set("config", desc("application/vnd.oci.image.config.v1+json", blob(configBytes), configBytes.length));
            manifest.set("layers", layerDescs);
            byte[] manifestBytes = Json.MAPPER.writeValueAsBytes(manifest);
            ObjectNode d = desc(OciLayout.OCI_MANIFEST, blob(manifestBytes), manifestBytes.length);
            d.putObject("annotations").put(OciLayout.REF_NAME, ref);
            manifests.add(d);
            return this;
        }

        public Path done() throws IOException {
            ObjectNode index = Json.MAPPER.createObjectNode();
            index.put("schemaVersion", 2).put("mediaType", OciLayout.OCI_INDEX);
            index.set("manifests", manifests);
            Files.write(dir.resolve("index.json"), Json.MAPPER.writeValueAsBytes(index));
            return dir;
        }

        private String blob(byte[] bytes) throws IOException {
            String hex = Digests.sha256(bytes);
            Files.write(dir.resolve("blobs/sha256/" + hex), bytes);
            return "sha256:" + hex;
        }

        private static ObjectNode desc(String mediaType, String digest, long size) {
            ObjectNode d = Json.MAPPER.createObjectNode();
            d.put("mediaType", mediaType).put("digest", digest).put("size", size);
            return d;
        }
    }

    static byte[] tar(Map<String, String> files) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bos)) {
            for (Map.Entry<String, String> f : new java.util.TreeMap<>(files).entrySet()) {
                byte[] b = f.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(f.getKey(), true);
                e.setSize(b.length);
                e.setMode(0644);
                e.setModTime(0);
                tar.putArchiveEntry(e);
                tar.write(b);
                tar.closeArchiveEntry();
            }
        }
        return bos.toByteArray();
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(bytes);
        }
        return bos.toByteArray();
    }

    /** Every regular file under {@code dir}, relative, sorted: to assert nothing was written outside a temp dir. */
    public static List<String> filesUnder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !Files.isDirectory(p)).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    static Map<String, String> files(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
