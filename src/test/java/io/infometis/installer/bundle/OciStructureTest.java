package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.infometis.installer.bundle.HostileBundlesTest.Raw;
import io.infometis.installer.testing.TestBundles;

/**
 * The OCI layout is checked whole (issue 12, class 3): walked iteratively with a depth bound, every image resolving
 * for the bundle's platform to a present manifest whose config and layers are present and of their declared media
 * types, no descriptor lying about its blob, refs unique. Checksums and signature are resealed each time.
 */
class OciStructureTest {
    @TempDir
    static Path tmp;
    static Forge forge;

    @BeforeAll
    static void forge() throws Exception {
        forge = new Forge(tmp);
    }

    /** The tiny image's top descriptor in index.json. */
    static ObjectNode top(List<Raw> e) throws Exception {
        return (ObjectNode) Forge.json(HostileBundlesTest.find(e, BundleEntries.OCI_INDEX).data).withArray("manifests").get(0);
    }

    /** Points index.json's entry and bundle.json's image at a new top document. */
    static void retop(List<Raw> e, ObjectNode desc) throws Exception {
        Raw index = HostileBundlesTest.find(e, BundleEntries.OCI_INDEX);
        ObjectNode idx = Forge.json(index.data);
        ObjectNode d = desc.deepCopy();
        d.putObject("annotations").put(OciLayout.REF_NAME, TestBundles.TINY_REF);
        idx.withArray("manifests").set(0, d);
        index.data = Forge.bytes(idx);
        Raw m = HostileBundlesTest.find(e, BundleEntries.MANIFEST);
        ObjectNode man = Forge.json(m.data);
        ((ObjectNode) man.withArray("images").get(0)).put("digest", desc.get("digest").asText()).put("mediaType", desc.get("mediaType").asText());
        m.data = Forge.bytes(man);
    }

    static ObjectNode descriptor(String mediaType, String digest, long size) {
        ObjectNode d = io.infometis.installer.Json.MAPPER.createObjectNode();
        return d.put("mediaType", mediaType).put("digest", digest).put("size", size);
    }

    /** Adds a blob and returns its descriptor. */
    static ObjectNode blob(List<Raw> e, String mediaType, byte[] content) {
        return descriptor(mediaType, Forge.addBlob(e, content), content.length);
    }

    static ObjectNode index(ObjectNode... children) {
        ObjectNode idx = io.infometis.installer.Json.MAPPER.createObjectNode().put("schemaVersion", 2).put("mediaType", OciLayout.OCI_INDEX);
        ArrayNode list = idx.putArray("manifests");
        for (ObjectNode c : children) {
            list.add(c);
        }
        return idx;
    }

    static ObjectNode platformed(ObjectNode d, String arch) {
        ObjectNode c = d.deepCopy();
        c.remove("annotations");
        c.putObject("platform").put("os", "linux").put("architecture", arch);
        return c;
    }

    /** Rewrites the tiny image's manifest (a new blob) and points index.json and bundle.json at it. */
    static Forge.Make manifest(Consumer<ObjectNode> edit) {
        return f -> f.resealed(e -> {
            ObjectNode t = top(e);
            ObjectNode man = Forge.json(HostileBundlesTest.find(e, BundleEntries.blob(Digests.hexOf(t.get("digest").asText()))).data);
            edit.accept(man);
            retop(e, blob(e, OciLayout.OCI_MANIFEST, Forge.bytes(man)));
        });
    }

    static List<Forge.Case> cases() {
        String blobs = BundleEntries.BLOBS;
        return List.of(
                new Forge.Case("20,000 nested indexes", f -> {
                    List<Raw> e = f.entries();
                    ObjectNode d = top(e);
                    d.remove("annotations");
                    List<Raw> added = new ArrayList<>();
                    for (int i = 0; i < 20_000; i++) {
                        byte[] doc = Forge.bytes(index(d));
                        String hex = Digests.sha256(doc);
                        added.add(new Raw(BundleEntries.blob(hex), doc, org.apache.commons.compress.archivers.tar.TarConstants.LF_NORMAL, null, 0644));
                        d = descriptor(OciLayout.OCI_INDEX, "sha256:" + hex, doc.length);
                    }
                    e.addAll(e.indexOf(HostileBundlesTest.find(e, BundleEntries.OCI_INDEX)) + 1, added);
                    retop(e, d);
                    HostileBundlesTest.reseal(e, f.keys);
                    return f.write(e);
                }, blobs, "nested more than 8 levels deep"),
                new Forge.Case("a manifest listed as an index", f -> f.resealed(e -> retop(e, top(e).put("mediaType", OciLayout.OCI_INDEX))),
                        blobs, "is listed as " + OciLayout.OCI_INDEX + " but says it is '" + OciLayout.OCI_MANIFEST + "'"),
                new Forge.Case("a layer listed with a config media type", manifest(m -> ((ObjectNode) m.withArray("layers").get(0))
                        .put("mediaType", OciLayout.OCI_CONFIG)), blobs, "not an image layer media type"),
                new Forge.Case("a gzip layer listed as zstd", manifest(m -> ((ObjectNode) m.withArray("layers").get(0))
                        .put("mediaType", "application/vnd.oci.image.layer.v1.tar+zstd")), blobs, "is not zstd data"),
                new Forge.Case("a config listed as a layer", manifest(m -> ((ObjectNode) m.get("config"))
                        .put("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip")), blobs, "not an image config media type"),
                new Forge.Case("a missing blob behind a made-up media type", f -> f.resealed(e -> retop(e, blob(e, OciLayout.OCI_INDEX,
                        Forge.bytes(index(descriptor("application/vnd.example.not-a-manifest", "sha256:" + "e".repeat(64), 10)))))),
                        "e".repeat(64), "not an image manifest or index media type"),
                new Forge.Case("a config without the manifest's layers", f -> f.resealed(e -> {
                    ObjectNode t = top(e);
                    ObjectNode man = Forge.json(HostileBundlesTest.find(e, BundleEntries.blob(Digests.hexOf(t.get("digest").asText()))).data);
                    byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes();
                    man.set("config", blob(e, OciLayout.OCI_CONFIG, config));
                    retop(e, blob(e, OciLayout.OCI_MANIFEST, Forge.bytes(man)));
                }), blobs, "rootfs.diff_ids must list its 1 layers"),
                new Forge.Case("an index whose only child is for another platform", f -> f.resealed(e -> retop(e,
                        blob(e, OciLayout.OCI_INDEX, Forge.bytes(index(platformed(top(e), "arm64")))))), blobs,
                        "has no manifest for the bundle's platform linux/amd64"),
                new Forge.Case("an index child that says amd64 for an arm64 config", f -> f.resealed(e -> {
                    ObjectNode t = top(e);
                    ObjectNode man = Forge.json(HostileBundlesTest.find(e, BundleEntries.blob(Digests.hexOf(t.get("digest").asText()))).data);
                    ObjectNode cfg = Forge.json(HostileBundlesTest.find(e, BundleEntries.blob(Digests.hexOf(man.get("config").get("digest").asText()))).data);
                    cfg.put("architecture", "arm64");
                    man.set("config", blob(e, OciLayout.OCI_CONFIG, Forge.bytes(cfg)));
                    ObjectNode m2 = blob(e, OciLayout.OCI_MANIFEST, Forge.bytes(man));
                    retop(e, blob(e, OciLayout.OCI_INDEX, Forge.bytes(index(platformed(m2, "amd64")))));
                }), blobs, "has no manifest for the bundle's platform linux/amd64"),
                new Forge.Case("the same ref twice in index.json", f -> f.resealed(e -> {
                    Raw index = HostileBundlesTest.find(e, BundleEntries.OCI_INDEX);
                    ObjectNode idx = Forge.json(index.data);
                    ObjectNode other = (ObjectNode) idx.withArray("manifests").get(0).deepCopy();
                    idx.withArray("manifests").add(other.put("digest", "sha256:" + "1".repeat(64)));
                    index.data = Forge.bytes(idx);
                }), BundleEntries.OCI_INDEX, "lists " + TestBundles.TINY_REF + " twice"),
                new Forge.Case("index.json lists an image bundle.json does not name", f -> f.resealed(e -> {
                    Raw index = HostileBundlesTest.find(e, BundleEntries.OCI_INDEX);
                    ObjectNode idx = Forge.json(index.data);
                    ObjectNode other = (ObjectNode) idx.withArray("manifests").get(0).deepCopy();
                    ((ObjectNode) other.get("annotations")).put(OciLayout.REF_NAME, "docker.io/evil/extra:1");
                    idx.withArray("manifests").add(other);
                    index.data = Forge.bytes(idx);
                }), BundleEntries.OCI_INDEX, "docker.io/evil/extra:1, which bundle.json does not name"),
                new Forge.Case("a manifest without schemaVersion 2", manifest(m -> m.put("schemaVersion", 1)), blobs, "schemaVersion is not 2"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refuses(Forge.Case c) throws Exception {
        forge.assertRefused(c);
    }

    @Test
    void acceptsAnIndexWhoseOtherPlatformChildIsAbsent() throws Exception {
        Path ok = forge.resealed(e -> {
            ObjectNode absent = descriptor(OciLayout.OCI_MANIFEST, "sha256:" + "a".repeat(64), 123);
            absent.putObject("platform").put("os", "linux").put("architecture", "arm64");
            retop(e, blob(e, OciLayout.OCI_INDEX, Forge.bytes(index(platformed(top(e), "amd64"), absent))));
        });
        assertEquals(OciLayout.OCI_INDEX, forge.assertGood(ok).manifest().images().get(0).mediaType());
    }
}
