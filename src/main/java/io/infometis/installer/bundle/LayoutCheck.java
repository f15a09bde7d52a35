package io.infometis.installer.bundle;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * After every byte is verified: the OCI layout holds exactly the images bundle.json names, each one whole, so a
 * bundle that verifies installs. Checked:
 * <ul>
 * <li>index.json lists each ref once, exactly bundle.json's images (ref, digest, media type), nothing else;</li>
 * <li>the layout is walked iteratively, at most {@link BundleLimits#maxDepth} levels deep: every descriptor's blob
 * present (an index child of another platform may be absent) with the declared size, and of a media type its place
 * allows — index children are manifests or indexes, a manifest's config a config, its layers layers;</li>
 * <li>no descriptor lies about its blob: an index or manifest must say the descriptor's media type in its own
 * {@code mediaType} field (a Docker document must carry it), a config must be an image config whose
 * {@code rootfs.diff_ids} match the layers, a gzip or zstd layer must start with that format's magic bytes;</li>
 * <li>every image resolves, for every platform of the bundle, to a present manifest whose config names that
 * platform: an index whose only child is for another platform is refused here, not at install;</li>
 * <li>k0s and each component's manifests are in checksums.txt.</li>
 * </ul>
 */
final class LayoutCheck {
    private enum Kind { MANIFEST_OR_INDEX, CONFIG, LAYER }

    private record Step(OciLayout.Descriptor d, String parent, int depth, boolean required, Kind kind, int layers) {
    }

    private final BundleManifest manifest;
    private final Checksums checksums;
    private final Map<String, byte[]> documents;
    private final Map<String, Long> blobSizes;
    private final Map<String, byte[]> heads;
    private final int maxDepth;
    private final Set<String> platforms;
    private final Set<String> walked = new HashSet<>();
    /** Per manifest digest: its config's platform. Per index digest: its children. */
    private final Map<String, String> manifestPlatform = new HashMap<>();
    private final Map<String, String> configPlatform = new HashMap<>();
    private final Map<String, String> manifestConfig = new HashMap<>();
    private final Map<String, List<OciLayout.Descriptor>> indexChildren = new HashMap<>();
    private final Map<String, Boolean> provided = new HashMap<>();

    LayoutCheck(BundleManifest manifest, Checksums checksums, Map<String, byte[]> documents, Map<String, Long> blobSizes,
            Map<String, byte[]> heads, int maxDepth) {
        this.manifest = manifest;
        this.checksums = checksums;
        this.documents = documents;
        this.blobSizes = blobSizes;
        this.heads = heads;
        this.maxDepth = maxDepth;
        this.platforms = OciLayout.platforms(manifest.platform());
    }

    void run() {
        byte[] layout = documents.get(BundleEntries.OCI_LAYOUT);
        if (layout == null || !BundleJson.document(BundleEntries.OCI_LAYOUT, layout).path("imageLayoutVersion").isTextual()) {
            throw new BundleDefect(BundleEntries.OCI_LAYOUT, "missing or without imageLayoutVersion");
        }
        byte[] indexBytes = documents.get(BundleEntries.OCI_INDEX);
        if (indexBytes == null) {
            throw new BundleDefect(BundleEntries.OCI_INDEX, "missing");
        }
        List<OciLayout.Descriptor> top = children(BundleEntries.OCI_INDEX, BundleJson.document(BundleEntries.OCI_INDEX, indexBytes));
        Map<String, OciLayout.Descriptor> byRef = new HashMap<>();
        for (OciLayout.Descriptor d : top) {
            if (d.refName() == null || byRef.put(d.refName(), d) != null) {
                throw new BundleDefect(BundleEntries.OCI_INDEX, d.refName() == null ? "lists " + d.digest() + " without a ref name"
                        : "lists " + d.refName() + " twice; a ref names one image");
            }
        }
        for (BundleManifest.Image image : manifest.images()) {
            OciLayout.Descriptor d = byRef.remove(image.ref());
            if (d == null || !d.digest().equals(image.digest()) || !image.mediaType().equals(d.mediaType())) {
                throw new BundleDefect(BundleEntries.OCI_INDEX, "does not list " + image.ref() + " as " + image.digest() + " ("
                        + image.mediaType() + "), as bundle.json does");
            }
        }
        if (!byRef.isEmpty()) {
            throw new BundleDefect(BundleEntries.OCI_INDEX, "lists " + byRef.keySet().iterator().next() + ", which bundle.json does not name");
        }
        walk(top);
        for (BundleManifest.Image image : manifest.images()) {
            for (String p : platforms) {
                if (!provides(image.digest(), p, 0)) {
                    throw new BundleDefect(BundleEntries.blob(Digests.hexOf(image.digest())), "image " + image.ref()
                            + " has no manifest for the bundle's platform " + p + " in the bundle");
                }
            }
        }
        files();
    }

    /** Depth-first with an explicit stack: a chain of 20,000 nested indexes is refused at the depth bound, not by the stack. */
    private void walk(List<OciLayout.Descriptor> top) {
        Deque<Step> todo = new ArrayDeque<>();
        for (int i = top.size() - 1; i >= 0; i--) {
            todo.push(new Step(top.get(i), BundleEntries.OCI_INDEX, 1, true, Kind.MANIFEST_OR_INDEX, 0));
        }
        while (!todo.isEmpty()) {
            Step s = todo.pop();
            OciLayout.Descriptor d = s.d();
            String entry = BundleEntries.blob(d.hex());
            if (s.depth() > maxDepth) {
                throw new BundleDefect(entry, "nested more than " + maxDepth + " levels deep below index.json");
            }
            mediaTypeFits(s, entry);
            Long size = blobSizes.get(d.digest());
            if (size == null) {
                if (s.required()) {
                    throw new BundleDefect(entry, "missing (referenced by " + s.parent() + ")");
                }
                continue;
            }
            if (size != d.size()) {
                throw new BundleDefect(entry, "size " + size + " but " + s.parent() + " declares " + d.size());
            }
            if (!walked.add(s.kind() + " " + d.mediaType() + " " + d.digest())) {
                continue;
            }
            switch (s.kind()) {
                case LAYER -> layer(d, entry);
                case CONFIG -> config(d, entry, s.layers());
                case MANIFEST_OR_INDEX -> {
                    JsonNode doc = document(entry, d);
                    if (d.isIndex()) {
                        List<OciLayout.Descriptor> kids = children(entry, doc);
                        indexChildren.put(d.digest(), kids);
                        for (int i = kids.size() - 1; i >= 0; i--) {
                            OciLayout.Descriptor c = kids.get(i);
                            boolean wanted = c.platform() == null || OciLayout.wanted(c.platform(), platforms);
                            todo.push(new Step(c, entry, s.depth() + 1, wanted, Kind.MANIFEST_OR_INDEX, 0));
                        }
                    } else {
                        List<OciLayout.Descriptor> blobs;
                        try {
                            blobs = OciLayout.blobs(doc);
                        } catch (IOException e) {
                            throw new BundleDefect(entry, e.getMessage());
                        }
                        manifestConfig.put(d.digest(), blobs.get(0).digest());
                        for (int i = blobs.size() - 1; i >= 1; i--) {
                            todo.push(new Step(blobs.get(i), entry, s.depth() + 1, true, Kind.LAYER, 0));
                        }
                        todo.push(new Step(blobs.get(0), entry, s.depth() + 1, true, Kind.CONFIG, blobs.size() - 1));
                    }
                }
            }
        }
        manifestConfig.forEach((m, c) -> manifestPlatform.put(m, configPlatform.get(c)));
    }

    private static void mediaTypeFits(Step s, String entry) {
        String mt = s.d().mediaType();
        boolean fits = switch (s.kind()) {
            case MANIFEST_OR_INDEX -> OciLayout.isIndex(mt) || OciLayout.isManifest(mt);
            case CONFIG -> OciLayout.isConfig(mt);
            case LAYER -> mt != null && OciLayout.LAYERS.containsKey(mt);
        };
        if (!fits) {
            throw new BundleDefect(entry, s.parent() + " lists it as " + Grammar.quote(mt) + ", not " + switch (s.kind()) {
                case MANIFEST_OR_INDEX -> "an image manifest or index";
                case CONFIG -> "an image config";
                case LAYER -> "an image layer";
            } + " media type");
        }
    }

    /** An index or manifest: its own mediaType must be the descriptor's, and its shape must fit it. */
    private JsonNode document(String entry, OciLayout.Descriptor d) {
        byte[] bytes = documents.get(entry);
        if (bytes == null) {
            throw new BundleDefect(entry, "listed as " + d.mediaType() + " but not a JSON document (or over the metadata limit)");
        }
        JsonNode doc = BundleJson.document(entry, bytes);
        JsonNode own = doc.get("mediaType");
        boolean docker = d.mediaType().startsWith("application/vnd.docker.");
        if (own != null ? !d.mediaType().equals(own.asText(null)) : docker) {
            throw new BundleDefect(entry, "is listed as " + d.mediaType() + " but says it is " + (own == null ? "nothing" : Grammar.quote(own.asText())));
        }
        JsonNode schema = doc.get("schemaVersion");
        if (schema == null || !schema.isIntegralNumber() || schema.intValue() != 2) {
            throw new BundleDefect(entry, "schemaVersion is not 2");
        }
        if (d.isIndex() == doc.has("config") || d.isIndex() != doc.has("manifests")) {
            throw new BundleDefect(entry, "is listed as " + d.mediaType() + " but is shaped like " + (d.isIndex() ? "a manifest" : "an index"));
        }
        return doc;
    }

    private void config(OciLayout.Descriptor d, String entry, int layers) {
        byte[] bytes = documents.get(entry);
        if (bytes == null) {
            throw new BundleDefect(entry, "listed as an image config but not a JSON document (or over the metadata limit)");
        }
        JsonNode c = BundleJson.document(entry, bytes);
        JsonNode diffIds = c.path("rootfs").path("diff_ids");
        if (!c.path("rootfs").path("type").asText("").equals("layers") || !diffIds.isArray() || diffIds.size() != layers) {
            throw new BundleDefect(entry, "is not an image config for its manifest (rootfs.diff_ids must list its " + layers + " layers)");
        }
        if (!c.path("os").isTextual() || !c.path("architecture").isTextual()) {
            throw new BundleDefect(entry, "image config without os and architecture");
        }
        configPlatform.put(d.digest(), c.get("os").textValue() + "/" + c.get("architecture").textValue()
                + (c.path("variant").isTextual() ? "/" + c.get("variant").textValue() : ""));
    }

    private void layer(OciLayout.Descriptor d, String entry) {
        String compression = OciLayout.LAYERS.get(d.mediaType());
        byte[] h = heads.getOrDefault(d.digest(), new byte[0]);
        boolean ok = switch (compression) {
            case "gzip" -> h.length >= 2 && (h[0] & 0xff) == 0x1f && (h[1] & 0xff) == 0x8b;
            case "zstd" -> h.length >= 4 && (h[0] & 0xff) == 0x28 && (h[1] & 0xff) == 0xb5 && (h[2] & 0xff) == 0x2f
                    && (h[3] & 0xff) == 0xfd;
            default -> true;
        };
        if (!ok) {
            throw new BundleDefect(entry, "listed as " + d.mediaType() + " but is not " + compression + " data");
        }
    }

    /**
     * True when the image (manifest or index) {@code digest} has a present manifest for {@code platform}. Memoised:
     * an index listing the same child many times, at every level, stays linear; the walk bounded the depth.
     */
    private boolean provides(String digest, String platform, int depth) {
        String key = digest + " " + platform;
        Boolean known = provided.get(key);
        if (known != null) {
            return known;
        }
        boolean result = false;
        String own = manifestPlatform.get(digest);
        if (own != null) {
            result = OciLayout.wanted(own, Set.of(platform));
        } else if (depth <= maxDepth) {
            for (OciLayout.Descriptor c : indexChildren.getOrDefault(digest, List.of())) {
                boolean forIt = c.platform() == null || OciLayout.wanted(c.platform(), Set.of(platform));
                if (forIt && blobSizes.containsKey(c.digest()) && provides(c.digest(), platform, depth + 1)) {
                    result = true;
                    break;
                }
            }
        }
        provided.put(key, result);
        return result;
    }

    private List<OciLayout.Descriptor> children(String entry, JsonNode index) {
        try {
            return OciLayout.manifests(index);
        } catch (IOException e) {
            throw new BundleDefect(entry, e.getMessage());
        }
    }

    private void files() {
        BundleManifest.K0s k0s = manifest.k0s();
        String k0sSum = checksums.byPath().get(k0s.path());
        if (k0sSum == null || !k0sSum.equals(k0s.sha256())) {
            throw new BundleDefect(k0s.path(), k0sSum == null ? "k0s binary missing" : "k0s sha256 differs from bundle.json's");
        }
        for (BundleManifest.Component c : manifest.components()) {
            for (String m : c.manifests()) {
                if (!checksums.byPath().containsKey(m)) {
                    throw new BundleDefect(m, "manifest of component " + c.name() + " missing");
                }
            }
        }
    }
}
