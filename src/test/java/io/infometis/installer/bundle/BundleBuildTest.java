package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;

import io.infometis.installer.Json;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.testing.ContainerdExtension;
import io.infometis.installer.testing.K0sSystemImages;
import io.infometis.installer.testing.RegistryExtension;
import io.infometis.installer.testing.RegistryPush;
import io.infometis.installer.testing.TestBundles;

/**
 * {@code bundle build} against a real registry (Debian's docker-registry): jib-built images, two sharing a base
 * layer, a multi-arch index pushed with raw calls. The bundle must carry the registry's digests, and clients
 * nobody here wrote (skopeo, containerd) must read it.
 */
class BundleBuildTest {
    @RegisterExtension
    static final RegistryExtension REGISTRY = new RegistryExtension();
    @RegisterExtension
    static final ContainerdExtension CONTAINERD = new ContainerdExtension();

    static Path work;
    static Path bundle;
    static Path unpacked;
    static BundleManifest built;
    static String buildOutput;
    static KeyPair keys;
    static Map<String, String> registryDigests;
    static String armLayer;
    static Map<String, String> k0sDigests;

    static String ref(String repoTag) {
        return REGISTRY.host() + "/" + repoTag;
    }

    @BeforeAll
    static void pushImagesAndBuild() throws Exception {
        work = Files.createTempDirectory("bundle-build");
        Path files = Files.createDirectories(work.resolve("files"));
        Files.writeString(files.resolve("base.txt"), "the shared base layer\n".repeat(1000));
        Files.writeString(files.resolve("app.txt"), "the app layer\n");
        FileEntriesLayer base = FileEntriesLayer.builder().setName("base")
                .addEntry(files.resolve("base.txt"), AbsoluteUnixPath.get("/base.txt")).build();
        FileEntriesLayer app = FileEntriesLayer.builder().setName("app")
                .addEntry(files.resolve("app.txt"), AbsoluteUnixPath.get("/app.txt")).build();
        // One Docker-typed manifest (what many Hub images still are) and one OCI-typed, sharing the base layer.
        jib(List.of(base), "test/base:1", ImageFormat.Docker);
        jib(List.of(base, app), "test/app:1", ImageFormat.OCI);

        // A multi-arch index: amd64 and arm64 manifests, pushed with raw registry calls.
        RegistryPush push = new RegistryPush(REGISTRY);
        ObjectNode index = Json.MAPPER.createObjectNode();
        index.put("schemaVersion", 2).put("mediaType", OciLayout.OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        for (String arch : List.of("amd64", "arm64")) {
            byte[] layerTar = tarOf("arch.txt", arch + "\n");
            byte[] layer = gzip(layerTar);
            String layerDigest = push.blob("test/multi", layer);
            if (arch.equals("arm64")) {
                armLayer = layerDigest;
            }
            byte[] config = ("{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\","
                    + "\"diff_ids\":[\"sha256:" + Digests.sha256(layerTar) + "\"]}}").getBytes(StandardCharsets.UTF_8);
            String configDigest = push.blob("test/multi", config);
            byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + OciLayout.OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                    + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest + "\",\"size\":" + config.length
                    + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + layerDigest
                    + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
            String md = push.manifest("test/multi", "sha256:" + Digests.sha256(manifest), OciLayout.OCI_MANIFEST, manifest);
            ObjectNode d = manifests.addObject();
            d.put("mediaType", OciLayout.OCI_MANIFEST).put("digest", md).put("size", manifest.length);
            d.putObject("platform").put("architecture", arch).put("os", "linux");
        }
        push.manifest("test/multi", "1", OciLayout.OCI_INDEX, Json.MAPPER.writeValueAsBytes(index));

        // k0s's own images, under their real repository paths; the build fetches them through --mirror.
        k0sDigests = K0sSystemImages.push(REGISTRY);
        registryDigests = new java.util.HashMap<>(k0sDigests);
        registryDigests.putAll(Map.of(
                ref("test/base:1"), push.digestOf("test/base", "1", OciLayout.ACCEPT),
                ref("test/app:1"), push.digestOf("test/app", "1", OciLayout.ACCEPT),
                ref("test/multi:1"), push.digestOf("test/multi", "1", OciLayout.ACCEPT)));

        keys = BundleSignature.generate();
        Path key = work.resolve("signing.key");
        Files.writeString(key, BundleSignature.pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        Path spec = spec(work.resolve("spec"), null);
        bundle = work.resolve("out/infometis-bundle.tar");
        StringWriter out = new StringWriter();
        built = new BundleBuilder().build(options(spec, bundle, key), new PrintWriter(out), false);
        buildOutput = out.toString();
        unpacked = new BundleFile(bundle, work.resolve("state"), new HostGate(false, null), BundleLimits.DEFAULT,
                keys.getPublic()).directory();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor();
    }

    @Test
    void everyDigestInTheBundleIsTheRegistrysDigest() throws Exception {
        assertEquals(registryDigests, built.images().stream()
                .collect(Collectors.toMap(BundleManifest.Image::ref, BundleManifest.Image::digest)));
        String index = Files.readString(unpacked.resolve("images/index.json"));
        for (Map.Entry<String, String> e : registryDigests.entrySet()) {
            assertTrue(index.contains(e.getValue()) && index.contains("\"" + e.getKey() + "\""), index);
            assertTrue(Files.isRegularFile(unpacked.resolve("images/blobs/sha256/" + Digests.hexOf(e.getValue()))));
        }
        assertTrue(new BundleVerifier(BundleLimits.DEFAULT, keys.getPublic()).verify(bundle).signed());
    }

    @Test
    void aLayerSharedByTwoImagesIsStoredOnce() throws Exception {
        BundleInspection i = BundleInspection.of(bundle, BundleLimits.DEFAULT);
        assertTrue(i.dedupSavedBytes() > 0, "dedup saved " + i.dedupSavedBytes());
        assertTrue(buildOutput.contains("deduplication saved"), buildOutput);
        long blobFiles;
        try (var s = Files.list(unpacked.resolve("images/blobs/sha256"))) {
            blobFiles = s.count();
        }
        // base: manifest+config+layer; app: manifest+config+app layer (base layer shared); multi: index+manifest+config+layer;
        // each k0s stand-in: manifest+config+layer
        assertEquals(3 + 3 + 4 + 3 * k0sDigests.size(), blobFiles);
    }

    @Test
    void aMultiArchIndexKeepsOnlyTheChosenPlatform() throws Exception {
        assertFalse(Files.exists(unpacked.resolve("images/blobs/sha256/" + Digests.hexOf(armLayer))));
        BundleManifest.Image multi = built.images().stream().filter(i -> i.ref().endsWith("multi:1")).findFirst().orElseThrow();
        assertEquals(OciLayout.OCI_INDEX, multi.mediaType());
        assertEquals("linux/amd64", multi.platform());
    }

    @Test
    void theBuildPrintsOnePlainLinePerImageWhenNotATerminal() {
        assertEquals(3, buildOutput.lines().filter(l -> l.contains(REGISTRY.host()) && l.contains("done in")).count(), buildOutput);
    }

    @Test
    void aSecondBuildTakesEveryBlobFromTheCache() throws Exception {
        StringWriter out = new StringWriter();
        Path again = work.resolve("out/again.tar");
        // The registry is still up, but nothing is fetched: every line reports all bytes cached.
        new BundleBuilder().build(options(spec(work.resolve("spec2"), null), again, null), new PrintWriter(out), false);
        List<String> lines = out.toString().lines().filter(l -> l.contains("done in")).toList();
        assertEquals(3 + k0sDigests.size(), lines.size(), out.toString());
        for (String line : lines) {
            // "<ref>  <done> MB / <total> MB (<cached> MB cached)  done in <s> s"
            String[] parts = line.split("\\s+");
            assertEquals(parts[4], parts[6].replace("(", ""), "all bytes cached: " + line);
        }
    }

    @Test
    void aBuildResumesFromAPartialCacheFetchingOnlyWhatIsMissing() throws Exception {
        // An interrupted build left every blob but the app layer in the cache: the resumed build fetches that one
        // (written into the bundle as it arrives), copies the rest from the cache, and the bundle verifies.
        Path cache = work.resolve("cache-partial");
        Files.createDirectories(cache.resolve("sha256"));
        try (var s = Files.list(work.resolve("cache/sha256"))) {
            for (Path p : s.filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
                Files.copy(p, cache.resolve("sha256").resolve(p.getFileName()));
            }
        }
        BundleManifest.Image app = built.images().stream().filter(i -> i.ref().endsWith("app:1")).findFirst().orElseThrow();
        JsonNode manifest = OciLayout.parse(Files.readAllBytes(cache.resolve("sha256/" + Digests.hexOf(app.digest()))));
        List<OciLayout.Descriptor> layers = OciLayout.blobs(manifest);
        OciLayout.Descriptor appLayer = layers.get(layers.size() - 1);
        Files.delete(cache.resolve("sha256/" + appLayer.hex()));

        Path out = work.resolve("out/resumed.tar");
        StringWriter log = new StringWriter();
        new BundleBuilder().build(new BundleBuilder.Options(spec(work.resolve("spec-resume"), null), out, null,
                List.of("linux/amd64"), Set.of(REGISTRY.host()), cache, 4, mirrors()), new PrintWriter(log), false);
        String appLine = log.toString().lines().filter(l -> l.contains("app:1") && l.contains("done in")).findFirst().orElseThrow();
        String[] parts = appLine.split("\\s+"); // "<ref>  <done> MB / <total> MB (<cached> MB cached)  done in <s> s"
        assertEquals(Double.parseDouble(parts[4]) - appLayer.size() / 1e6, Double.parseDouble(parts[6].replace("(", "")), 0.11, appLine);
        assertEquals("sha256:" + appLayer.hex(), "sha256:" + Digests.sha256(cache.resolve("sha256/" + appLayer.hex())));
        BundleVerifier.Verified verified = new BundleVerifier(BundleLimits.DEFAULT, null).verify(out);
        assertEquals(built.images(), verified.manifest().images());
    }

    @Test
    void aBlobTheRegistryCannotServeFailsTheBuildAndLeavesNoFile() throws Exception {
        RegistryPush push = new RegistryPush(REGISTRY);
        byte[] layer = gzip(tarOf("x.txt", "gone\n"));
        String layerDigest = push.blob("test/broken", layer);
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        String configDigest = push.blob("test/broken", config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + OciLayout.OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest + "\",\"size\":" + config.length + "},\"layers\":[{"
                + "\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + layerDigest + "\",\"size\":"
                + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        push.manifest("test/broken", "1", OciLayout.OCI_MANIFEST, manifest);
        var delete = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                REGISTRY.url("/v2/test/broken/blobs/" + layerDigest)).DELETE().build(), java.net.http.HttpResponse.BodyHandlers.discarding());
        assertEquals(202, delete.statusCode());
        Path dir = work.resolve("spec-broken");
        Path spec = spec(dir, null);
        Files.writeString(spec, Files.readString(spec).replace(ref("test/base:1"), ref("test/broken:1")));
        Path out = work.resolve("out-broken/b.tar");
        InstallerException e = assertThrows(InstallerException.class,
                () -> new BundleBuilder().build(options(spec, out, null), new PrintWriter(new StringWriter()), false));
        assertTrue(e.getMessage().contains("test/broken") && e.getMessage().contains("404"), e.getMessage());
        assertEquals(List.of(), TestBundles.filesUnder(out.getParent()), "no bundle and no partial file");
    }

    @Test
    void refusesASpecWhoseK0sSha256IsNotHex() throws Exception {
        Path spec = spec(work.resolve("spec3"), "SHA256_OF_K0S_BINARY");
        InstallerException e = assertThrows(InstallerException.class,
                () -> new BundleBuilder().build(options(spec, work.resolve("out/x.tar"), null), new PrintWriter(new StringWriter()), false));
        assertEquals(ExitCodes.INVALID_INPUT, e.exitCode());
        assertTrue(e.oneLine().contains("SHA256_OF_K0S_BINARY") && e.oneLine().contains("sha256sums"), e.oneLine());
    }

    /**
     * skopeo 1.9's oci: transport skips index.json entries with Docker media types (containers/image only looks at
     * OCI manifest/index descriptors), so it reads the OCI-typed images; containerd reads all of them (below).
     */
    @Test
    void skopeoReadsTheOciTypedImagesFromTheUnpackedLayout() throws Exception {
        Map<String, String> ociTyped = built.images().stream()
                .filter(i -> !i.mediaType().contains("docker") && i.group().equals(BundleManifest.Image.STACK))
                .collect(Collectors.toMap(BundleManifest.Image::ref, BundleManifest.Image::digest));
        assertEquals(Set.of(ref("test/app:1"), ref("test/multi:1")), ociTyped.keySet());
        for (Map.Entry<String, String> e : ociTyped.entrySet()) {
            var r = run("skopeo", "inspect", "--raw", "oci:" + unpacked.resolve("images") + ":" + e.getKey());
            assertEquals(0, r.exitCode(), r.output());
            assertEquals(e.getValue(), "sha256:" + Digests.sha256(r.output().getBytes(StandardCharsets.UTF_8)));
            var full = run("skopeo", "inspect", "oci:" + unpacked.resolve("images") + ":" + e.getKey());
            assertEquals(0, full.exitCode(), full.output());
            assertTrue(full.output().contains("\"Architecture\": \"amd64\""), full.output());
        }
        var copy = run("skopeo", "copy", "oci:" + unpacked.resolve("images") + ":" + ref("test/app:1"),
                "oci:" + work.resolve("skopeo-copy") + ":app");
        assertEquals(0, copy.exitCode(), copy.output());
    }

    @Test
    void containerdImportsTheImagesUnderTheirFullRefsWithTheUpstreamDigests() throws Exception {
        Path tar = work.resolve("images.tar");
        var t = run("tar", "-C", unpacked.resolve("images").toString(), "-cf", tar.toString(), ".");
        assertEquals(0, t.exitCode(), t.output());
        CONTAINERD.ctrOk("-n", "k8s.io", "images", "import", tar.toString());
        String ls = CONTAINERD.ctrOk("-n", "k8s.io", "images", "ls");
        for (Map.Entry<String, String> e : registryDigests.entrySet()) {
            assertTrue(ls.lines().anyMatch(l -> l.startsWith(e.getKey() + " ") && l.contains(e.getValue())), e + "\n" + ls);
        }
        String check = CONTAINERD.ctrOk("-n", "k8s.io", "images", "check");
        assertFalse(check.contains("incomplete") || check.contains("missing"), check);
    }

    // ---------------------------------------------------------------------------------------------------------

    static BundleBuilder.Options options(Path spec, Path out, Path key) {
        return new BundleBuilder.Options(spec, out, key, List.of("linux/amd64"), Set.of(REGISTRY.host()),
                work.resolve("cache"), 4, mirrors());
    }

    static RegistryMirrors mirrors() {
        return RegistryMirrors.parse(K0sSystemImages.mirrorFlags(REGISTRY));
    }

    static Path spec(Path dir, String sha) throws Exception {
        Files.createDirectories(dir.resolve("manifests/10-demo"));
        Files.writeString(dir.resolve("manifests/10-demo/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo}\n");
        Path k0s = TestBundles.k0sStandIn(dir.resolve("k0s-bin"));
        String yaml = """
                name: infometis-test
                version: 0.0.1
                k0s: {version: v1.33.4+k0s.0, source: k0s-bin, sha256: %s}
                images:
                  - %s
                  - %s
                  - %s
                manifests: manifests/
                volumes:
                  - {component: demo, name: data, size: 1Mi, uid: 1000, gid: 1000, mode: "0750", claim: demo-data}
                """.formatted(sha != null ? sha : Digests.sha256(k0s), ref("test/base:1"), ref("test/app:1"), ref("test/multi:1"));
        Files.writeString(dir.resolve("bundle.yaml"), yaml);
        return dir.resolve("bundle.yaml");
    }

    static void jib(List<FileEntriesLayer> layers, String repoTag, ImageFormat format) throws Exception {
        var builder = Jib.fromScratch().setCreationTime(Instant.EPOCH).setFormat(format);
        layers.forEach(builder::addFileEntriesLayer);
        builder.containerize(Containerizer.to(RegistryImage.named(ImageReference.parse(ref(repoTag))))
                .setAllowInsecureRegistries(true)
                .setBaseImageLayersCache(work.resolve("jib-cache"))
                .setApplicationLayersCache(work.resolve("jib-cache")));
    }

    static byte[] tarOf(String name, String content) throws Exception {
        var bos = new java.io.ByteArrayOutputStream();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(bos)) {
            var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(name);
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            e.setSize(b.length);
            e.setModTime(0);
            tar.putArchiveEntry(e);
            tar.write(b);
            tar.closeArchiveEntry();
        }
        return bos.toByteArray();
    }

    static byte[] gzip(byte[] b) throws Exception {
        var bos = new java.io.ByteArrayOutputStream();
        try (var gz = new java.util.zip.GZIPOutputStream(bos)) {
            gz.write(b);
        }
        return bos.toByteArray();
    }

    record Run(int exitCode, String output) {
    }

    static Run run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }
}
