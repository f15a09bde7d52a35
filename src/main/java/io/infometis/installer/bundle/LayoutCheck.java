package io.infometis.installer.bundle;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * After every byte is verified: the OCI layout is consistent (every manifest's config and layers present with
 * the descriptor's size; an index's children present for the bundle's platforms) and bundle.json's claims hold
 * (each image in index.json under its full ref and upstream digest, k0s and the manifests in checksums.txt).
 */
final class LayoutCheck {
    private final BundleManifest manifest;
    private final Checksums checksums;
    private final Map<String, byte[]> documents;
    private final Map<String, Long> blobSizes;
    private final Set<String> platforms;
    private final Set<String> walked = new HashSet<>();

    LayoutCheck(BundleManifest manifest, Checksums checksums, Map<String, byte[]> documents, Map<String, Long> blobSizes) {
        this.manifest = manifest;
        this.checksums = checksums;
        this.documents = documents;
        this.blobSizes = blobSizes;
        this.platforms = OciLayout.platforms(manifest.platform());
    }

    void run() {
        byte[] layout = documents.get(BundleEntries.OCI_LAYOUT);
        if (layout == null || !parse(BundleEntries.OCI_LAYOUT, layout).path("imageLayoutVersion").isTextual()) {
            throw new BundleDefect(BundleEntries.OCI_LAYOUT, "missing or without imageLayoutVersion");
        }
        byte[] indexBytes = documents.get(BundleEntries.OCI_INDEX);
        if (indexBytes == null) {
            throw new BundleDefect(BundleEntries.OCI_INDEX, "missing");
        }
        List<OciLayout.Descriptor> top;
        try {
            top = OciLayout.manifests(parse(BundleEntries.OCI_INDEX, indexBytes));
        } catch (IOException e) {
            throw new BundleDefect(BundleEntries.OCI_INDEX, e.getMessage());
        }
        for (OciLayout.Descriptor d : top) {
            walk(d, BundleEntries.OCI_INDEX, true);
        }
        for (BundleManifest.Image image : manifest.images()) {
            boolean listed = top.stream().anyMatch(d -> d.digest().equals(image.digest()) && image.ref().equals(d.refName()));
            if (!listed) {
                throw new BundleDefect(BundleEntries.OCI_INDEX, "does not list " + image.ref() + " as " + image.digest()
                        + " (bundle.json names it)");
            }
        }
        BundleManifest.K0s k0s = manifest.k0s();
        String k0sSum = checksums.byPath().get(k0s.path());
        if (k0sSum == null || !k0sSum.equals(k0s.sha256())) {
            throw new BundleDefect(String.valueOf(k0s.path()), k0sSum == null ? "k0s binary missing"
                    : "k0s sha256 differs from bundle.json's");
        }
        for (BundleManifest.Component c : manifest.components()) {
            for (String m : c.manifests()) {
                if (!checksums.byPath().containsKey(m)) {
                    throw new BundleDefect(m, "manifest of component " + c.name() + " missing");
                }
            }
        }
    }

    private void walk(OciLayout.Descriptor d, String parent, boolean required) {
        String entry = BundleEntries.blob(d.hex());
        Long size = blobSizes.get(d.digest());
        if (size == null) {
            if (required) {
                throw new BundleDefect(entry, "missing (referenced by " + parent + ")");
            }
            return;
        }
        if (size != d.size()) {
            throw new BundleDefect(entry, "size " + size + " but " + parent + " declares " + d.size());
        }
        if (!walked.add(d.digest())) {
            return;
        }
        boolean index = d.isIndex();
        boolean image = d.isManifest();
        if (!index && !image) {
            return;
        }
        byte[] doc = documents.get(entry);
        if (doc == null) {
            throw new BundleDefect(entry, "manifest too large to check");
        }
        try {
            JsonNode node = parse(entry, doc);
            if (index) {
                for (OciLayout.Descriptor child : OciLayout.manifests(node)) {
                    walk(child, entry, OciLayout.wanted(child.platform(), platforms));
                }
            } else {
                for (OciLayout.Descriptor child : OciLayout.blobs(node)) {
                    walk(child, entry, true);
                }
            }
        } catch (IOException e) {
            throw new BundleDefect(entry, e.getMessage());
        }
    }

    private static JsonNode parse(String entry, byte[] bytes) {
        try {
            return OciLayout.parse(bytes);
        } catch (IOException e) {
            throw new BundleDefect(entry, "malformed JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }
}
