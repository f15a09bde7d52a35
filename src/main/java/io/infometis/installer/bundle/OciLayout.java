package io.infometis.installer.bundle;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.infometis.installer.Json;

/**
 * Just enough of the OCI image spec (and Docker's v2 schema 2, which registries still serve) to walk an image:
 * which documents are indexes or manifests, their children, and platform matching.
 */
public final class OciLayout {
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    /** Layer media types containerd unpacks; with the compression each one promises (checked on the blob's bytes). */
    public static final java.util.Map<String, String> LAYERS = java.util.Map.of(
            "application/vnd.oci.image.layer.v1.tar", "tar",
            "application/vnd.oci.image.layer.v1.tar+gzip", "gzip",
            "application/vnd.oci.image.layer.v1.tar+zstd", "zstd",
            "application/vnd.oci.image.layer.nondistributable.v1.tar", "tar",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", "gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", "zstd",
            "application/vnd.docker.image.rootfs.diff.tar.gzip", "gzip",
            "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "gzip");
    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    public static final String LAYOUT_FILE = "{\"imageLayoutVersion\":\"1.0.0\"}";
    /** What we accept from a registry, most specific first. */
    public static final String ACCEPT = String.join(",", OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST);

    private OciLayout() {
    }

    /** A content descriptor: media type, digest, size, and for an index child its platform ("os/arch[/variant]"). */
    public record Descriptor(String mediaType, String digest, long size, String platform, String refName) {
        public String hex() {
            return Digests.hexOf(digest);
        }

        public boolean isIndex() {
            return OciLayout.isIndex(mediaType);
        }

        public boolean isManifest() {
            return OciLayout.isManifest(mediaType);
        }
    }

    public static boolean isIndex(String mediaType) {
        return OCI_INDEX.equals(mediaType) || DOCKER_LIST.equals(mediaType);
    }

    public static boolean isManifest(String mediaType) {
        return OCI_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
    }

    public static boolean isConfig(String mediaType) {
        return OCI_CONFIG.equals(mediaType) || DOCKER_CONFIG.equals(mediaType);
    }

    /** Lenient: for documents the builder fetches from a registry. A bundle's documents go through {@link BundleJson#document}. */
    public static JsonNode parse(byte[] json) throws IOException {
        JsonNode node = Json.LENIENT.readTree(json);
        if (node == null || !node.isObject()) {
            throw new IOException("not a JSON object");
        }
        return node;
    }

    /** The media type a document declares, or the one the registry named when the document omits it. */
    public static String mediaTypeOf(JsonNode doc, String fallback) {
        JsonNode mt = doc.get("mediaType");
        return mt != null && mt.isTextual() ? mt.asText() : fallback;
    }

    /** Children of an index: its manifests. */
    public static List<Descriptor> manifests(JsonNode index) throws IOException {
        List<Descriptor> out = new ArrayList<>();
        JsonNode list = index.get("manifests");
        if (list == null || !list.isArray()) {
            throw new IOException("index without a manifests array");
        }
        for (JsonNode d : list) {
            out.add(descriptor(d));
        }
        return out;
    }

    /** Children of an image manifest: its config, then its layers in order. */
    public static List<Descriptor> blobs(JsonNode manifest) throws IOException {
        List<Descriptor> out = new ArrayList<>();
        JsonNode config = manifest.get("config");
        if (config == null || !config.isObject()) {
            throw new IOException("manifest without a config");
        }
        out.add(descriptor(config));
        JsonNode layers = manifest.get("layers");
        if (layers == null || !layers.isArray()) {
            throw new IOException("manifest without a layers array");
        }
        for (JsonNode d : layers) {
            out.add(descriptor(d));
        }
        return out;
    }

    public static Descriptor descriptor(JsonNode d) throws IOException {
        if (d == null || !d.isObject()) {
            throw new IOException("a descriptor is not a JSON object");
        }
        JsonNode digest = d.get("digest");
        JsonNode size = d.get("size");
        if (digest == null || !digest.isTextual() || Digests.hexOf(digest.textValue()) == null) {
            throw new IOException("descriptor without a sha256 digest");
        }
        if (size == null || !size.isIntegralNumber() || !size.canConvertToLong() || size.longValue() < 0) {
            throw new IOException("descriptor of " + digest.textValue() + " without a valid size");
        }
        JsonNode mt = d.get("mediaType");
        if (mt != null && !mt.isTextual()) {
            throw new IOException("descriptor of " + digest.textValue() + " has a mediaType that is not a string");
        }
        String platform = null;
        JsonNode p = d.get("platform");
        if (p != null && p.isObject()) {
            platform = p.path("os").asText() + "/" + p.path("architecture").asText()
                    + (p.hasNonNull("variant") ? "/" + p.get("variant").asText() : "");
        }
        JsonNode ann = d.path("annotations").get(REF_NAME);
        return new Descriptor(mt == null ? null : mt.textValue(), digest.textValue(), size.longValue(), platform,
                ann == null || !ann.isTextual() ? null : ann.textValue());
    }

    /**
     * True when an index child of {@code platform} belongs to the bundle. {@code linux/arm64} matches
     * {@code linux/arm64/v8}; {@code linux/arm} matches any arm variant.
     */
    public static boolean wanted(String platform, Collection<String> wanted) {
        if (platform == null) {
            return false;
        }
        for (String w : wanted) {
            if (platform.equals(w) || platform.startsWith(w + "/")) {
                return true;
            }
        }
        return false;
    }

    public static Set<String> platforms(String commaSeparated) {
        if (commaSeparated == null || commaSeparated.isBlank()) {
            return Set.of();
        }
        return Set.copyOf(List.of(commaSeparated.split("\\s*,\\s*")));
    }
}
