package io.infometis.installer.bundle;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.infometis.installer.Json;
import io.infometis.installer.cli.ExitCodes;
import io.infometis.installer.cli.InstallerException;

/**
 * Some images of the bundle's OCI layout ({@code images/}), as one OCI-layout tar for {@code ctr images import -}:
 * only their blobs, and an {@code index.json} naming each by its full reference in
 * {@code org.opencontainers.image.ref.name} (a bare tag would import as {@code import-DATE:tag}).
 */
public final class ImageArchive {
    public static final String REF_NAME = OciLayout.REF_NAME;
    static final String CONTAINERD_NAME = "io.containerd.image.name";

    private final Path layout;
    private final List<ObjectNode> descriptors;
    private final Map<String, Long> blobs;
    private volatile InstallerException defect;
    /** Manifests, indexes and configs are this small; layers rarely are. */
    static final long SMALL = 64 * 1024;

    private ImageArchive(Path layout, List<ObjectNode> descriptors, Map<String, Long> blobs) {
        this.layout = layout;
        this.descriptors = descriptors;
        this.blobs = blobs;
    }

    /** Picks {@code images} out of the layout, refusing an image the layout lacks or holds under another digest. */
    public static ImageArchive select(Path layout, List<BundleManifest.Image> images) throws IOException {
        JsonNode index = Json.LENIENT.readTree(layout.resolve("index.json").toFile());
        List<ObjectNode> descriptors = new ArrayList<>();
        Map<String, Long> blobs = new LinkedHashMap<>();
        for (BundleManifest.Image image : images) {
            JsonNode found = null;
            for (JsonNode d : index.path("manifests")) {
                JsonNode a = d.path("annotations");
                if (image.ref().equals(a.path(REF_NAME).asText(null)) || image.ref().equals(a.path(CONTAINERD_NAME).asText(null))) {
                    found = d;
                    break;
                }
            }
            if (found == null) {
                throw corrupt("image " + image.ref() + " is not in the bundle's images/index.json");
            }
            String digest = found.path("digest").asText();
            if (image.digest() != null && !image.digest().equals(digest)) {
                throw corrupt("image " + image.ref() + " is " + digest + " in images/index.json, bundle.json says " + image.digest());
            }
            ObjectNode d = Json.LENIENT.createObjectNode();
            d.put("mediaType", found.path("mediaType").asText());
            d.put("digest", digest);
            d.put("size", found.path("size").asLong());
            d.putObject("annotations").put(REF_NAME, image.ref());
            descriptors.add(d);
            collect(layout, found, blobs, image.ref());
        }
        return new ImageArchive(layout, descriptors, blobs);
    }

    /** Manifests and indexes are read to find their children; missing children of an index are other platforms. */
    private static void collect(Path layout, JsonNode descriptor, Map<String, Long> blobs, String ref) throws IOException {
        String digest = descriptor.path("digest").asText();
        long size = descriptor.path("size").asLong();
        Path file = blob(layout, digest);
        if (!Files.isRegularFile(file)) {
            throw corrupt("image " + ref + ": blob " + digest + " is missing from images/");
        }
        if (blobs.putIfAbsent(digest, size) != null) {
            return;
        }
        String mediaType = descriptor.path("mediaType").asText();
        if (OciLayout.isManifest(mediaType)) {
            JsonNode m = Json.LENIENT.readTree(readDocument(file, digest, size));
            collect(layout, m.path("config"), blobs, ref);
            for (JsonNode layer : m.path("layers")) {
                collect(layout, layer, blobs, ref);
            }
        } else if (OciLayout.isIndex(mediaType)) {
            JsonNode idx = Json.LENIENT.readTree(readDocument(file, digest, size));
            for (JsonNode child : idx.path("manifests")) {
                if (Files.isRegularFile(blob(layout, child.path("digest").asText()))) {
                    collect(layout, child, blobs, ref);
                }
            }
        }
    }

    public List<String> refs() {
        return descriptors.stream().map(d -> d.path("annotations").path(REF_NAME).asText()).toList();
    }

    public int blobCount() {
        return blobs.size();
    }

    public long bytes() {
        return blobs.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Checks what is cheap before anything is imported: every blob exists with its size, and every manifest, index
     * and config (small) has its digest. Layers are checked as they stream, see {@link #write}.
     */
    public void verifyMetadata() throws IOException {
        for (Map.Entry<String, Long> b : blobs.entrySet()) {
            Path file = blob(layout, b.getKey());
            long actualSize = Files.size(file);
            if (actualSize != b.getValue()) {
                throw corrupt("blob " + b.getKey() + " is " + actualSize + " bytes, expected " + b.getValue());
            }
            if (actualSize <= SMALL) {
                String actual = "sha256:" + Digests.sha256(Files.readAllBytes(file));
                if (!actual.equals(b.getKey())) {
                    throw corrupt("blob " + b.getKey() + " has sha256 " + actual);
                }
            }
        }
    }

    /** The defect {@link #write} found, or null: the import it fed failed because the stream was cut there. */
    public InstallerException defect() {
        return defect;
    }

    /**
     * Writes the tar: {@code oci-layout}, {@code index.json}, then every blob once; closes {@code sink}.
     * Each blob is hashed as it streams and its last chunk is held back until the digest matches: a corrupt blob
     * cuts the stream before its end, so containerd never commits it and, since it names images only once the
     * whole stream is in, imports no image at all. containerd 1.6 does not protect us here: {@code ctr import}
     * stores a blob under the digest it computes and still names the images (ImagesPhaseTest shows it). Hashing in
     * the stream, not in a pass before the import, overlaps the hashing with containerd's work.
     */
    public void write(OutputStream sink) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new BufferedOutputStream(sink, 1 << 16));
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        entry(tar, "oci-layout", OciLayout.LAYOUT_FILE.getBytes(StandardCharsets.UTF_8));
        ObjectNode index = Json.LENIENT.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", OciLayout.OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        descriptors.forEach(manifests::add);
        entry(tar, "index.json", Json.LENIENT.writeValueAsBytes(index));
        byte[] held = new byte[1 << 20];
        byte[] next = new byte[1 << 20];
        for (Map.Entry<String, Long> b : blobs.entrySet()) {
            TarArchiveEntry e = new TarArchiveEntry("blobs/sha256/" + hex(b.getKey()));
            e.setSize(b.getValue());
            tar.putArchiveEntry(e);
            MessageDigest sha = Digests.sha256();
            try (InputStream in = Files.newInputStream(blob(layout, b.getKey()))) {
                int heldLength = in.readNBytes(held, 0, held.length);
                sha.update(held, 0, heldLength);
                int n;
                while ((n = in.readNBytes(next, 0, next.length)) > 0) {
                    tar.write(held, 0, heldLength);
                    sha.update(next, 0, n);
                    byte[] t = held;
                    held = next;
                    next = t;
                    heldLength = n;
                }
                String actual = "sha256:" + Digests.hex(sha.digest());
                if (!actual.equals(b.getKey())) {
                    defect = corrupt("blob " + b.getKey() + " has sha256 " + actual);
                    throw new IOException(defect.getMessage());
                }
                tar.write(held, 0, heldLength);
            }
            tar.closeArchiveEntry();
        }
        // close, not finish + flush: commons-compress 1.28 keeps the last block buffered until close.
        tar.close();
    }

    private static void entry(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    static Path blob(Path layout, String digest) {
        return layout.resolve("blobs").resolve("sha256").resolve(hex(digest));
    }

    private static String hex(String digest) {
        String hex = Digests.hexOf(digest);
        if (hex == null) {
            throw corrupt("unsupported or malformed digest '" + digest + "'");
        }
        return hex;
    }

    /** A manifest or index, checked against its digest before it is parsed. */
    private static byte[] readDocument(Path file, String digest, long size) throws IOException {
        if (size > 4 << 20 || Files.size(file) != size) {
            throw corrupt("manifest " + digest + " is " + Files.size(file) + " bytes, expected " + size);
        }
        byte[] bytes = Files.readAllBytes(file);
        String actual = "sha256:" + Digests.sha256(bytes);
        if (!actual.equals(digest)) {
            throw corrupt("manifest " + digest + " has sha256 " + actual);
        }
        return bytes;
    }

    private static InstallerException corrupt(String what) {
        return new InstallerException("bundle images: " + what, "the bundle is damaged; rebuild or re-copy it", ExitCodes.FAILED);
    }
}
