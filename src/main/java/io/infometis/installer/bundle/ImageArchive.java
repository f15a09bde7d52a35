package io.infometis.installer.bundle;

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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipEncoding;
import org.apache.commons.compress.archivers.zip.ZipEncodingHelper;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.infometis.installer.Json;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;

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
    private final boolean layersVerified;
    private volatile InstallerException defect;
    /** Manifests, indexes and configs are this small; layers rarely are. */
    static final long SMALL = 64 * 1024;

    private ImageArchive(Path layout, List<ObjectNode> descriptors, Map<String, Long> blobs, boolean layersVerified) {
        this.layout = layout;
        this.descriptors = descriptors;
        this.blobs = blobs;
        this.layersVerified = layersVerified;
    }

    /**
     * The same images, for a layout whose every blob this process has just checked against its digest as it unpacked
     * the bundle (see {@link InstallBundle#unpackedAndVerifiedByThisProcess()}): {@link #write} then streams the
     * layers without hashing them a second time. Sizes and the small documents are still checked.
     */
    public ImageArchive layersVerifiedOnUnpack() {
        return new ImageArchive(layout, descriptors, blobs, true);
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
        return new ImageArchive(layout, descriptors, blobs, false);
    }

    /**
     * Manifests and indexes are read to find their children; missing children of an index are other platforms.
     * Children come first in the stream (layers and config, then the manifest, then an index): a corrupt layer cuts
     * the stream before its manifest is sent, so containerd holds no manifest that refers to it.
     */
    private static void collect(Path layout, JsonNode descriptor, Map<String, Long> blobs, String ref) throws IOException {
        String digest = descriptor.path("digest").asText();
        long size = descriptor.path("size").asLong();
        Path file = blob(layout, digest);
        if (!Files.isRegularFile(file)) {
            throw corrupt("image " + ref + ": blob " + digest + " is missing from images/");
        }
        if (blobs.containsKey(digest)) {
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
        blobs.put(digest, size);
    }

    /** False for an archive {@link #layersVerifiedOnUnpack() verified on unpack}. */
    public boolean layersHashedAsTheyStream() {
        return !layersVerified;
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
                checkDigest(file, b.getKey());
            }
        }
    }

    /**
     * Hashes every blob and throws at the first that does not match its digest: after an import of a layout
     * {@link #layersVerifiedOnUnpack() verified on unpack} failed, this says whether a blob changed since.
     */
    public void verifyLayers() throws IOException {
        for (String digest : blobs.keySet()) {
            checkDigest(blob(layout, digest), digest);
        }
    }

    private static void checkDigest(Path file, String digest) throws IOException {
        String actual = "sha256:" + Digests.sha256(file);
        if (!actual.equals(digest)) {
            throw corrupt("blob " + digest + " has sha256 " + actual);
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
     * stores a blob under the digest it computes and still names the images (ImagesPhaseTest shows it).
     * Reading and hashing run on their own thread, a few chunks ahead of this one, which only writes: with read,
     * hash and write in one thread, ctr waited while each chunk was read and hashed (bench/images-phase.sh,
     * figures in docs/architecture.md).
     */
    public void write(OutputStream sink) throws IOException {
        try (sink) {
            entry(sink, "oci-layout", OciLayout.LAYOUT_FILE.getBytes(StandardCharsets.UTF_8));
            ObjectNode index = Json.LENIENT.createObjectNode();
            index.put("schemaVersion", 2);
            index.put("mediaType", OciLayout.OCI_INDEX);
            ArrayNode manifests = index.putArray("manifests");
            descriptors.forEach(manifests::add);
            entry(sink, "index.json", Json.LENIENT.writeValueAsBytes(index));
            BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(CHUNKS);
            for (int i = 0; i < CHUNKS; i++) {
                free.add(new byte[CHUNK]);
            }
            BlockingQueue<Chunk> ready = new ArrayBlockingQueue<>(CHUNKS + 1);
            Thread hasher = new Thread(() -> readAndHash(free, ready), "hash-blobs");
            hasher.setDaemon(true);
            hasher.start();
            try {
                for (Map.Entry<String, Long> b : blobs.entrySet()) {
                    sink.write(header("blobs/sha256/" + hex(b.getKey()), b.getValue()));
                    long written = 0;
                    for (Chunk c = ready.take(); c != Chunk.END; c = ready.take()) {
                        if (c.failure() != null) {
                            throw c.failure();
                        }
                        written += c.length();
                        if (written > b.getValue()) {
                            throw new IOException("blob " + b.getKey() + " grew while it streamed");
                        }
                        sink.write(c.bytes(), 0, c.length());
                        free.add(c.bytes());
                    }
                    pad(sink, written);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while streaming images", e);
            } finally {
                // On success the hasher has already ended; on a failure here (ctr gone, a defect) it must not go on.
                hasher.interrupt();
            }
            sink.write(new byte[2 * RECORD]); // end of archive
        }
    }

    /**
     * The tar is framed here rather than through commons-compress's TarArchiveOutputStream, which copies every
     * byte twice more (into its 10 KiB records, then into a buffer) and writes the pipe in 60 KiB pieces; here each
     * 1 MiB chunk goes to the pipe as it was read. On a 2-CPU host that CPU is taken from ctr and containerd. Only
     * the header comes from commons-compress; star mode gives sizes over 8 GiB a binary field, which Go's
     * archive/tar reads.
     */
    private static byte[] header(String name, long size) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(size);
        byte[] h = new byte[RECORD];
        e.writeEntryHeader(h, UTF8, true);
        return h;
    }

    private static void pad(OutputStream sink, long size) throws IOException {
        int rest = (int) (size % RECORD);
        if (rest != 0) {
            sink.write(new byte[RECORD - rest]);
        }
    }

    private static final int RECORD = 512;
    private static final ZipEncoding UTF8 = ZipEncodingHelper.getZipEncoding(StandardCharsets.UTF_8);

    /** 1 MiB chunks, a few in flight: enough to keep ctr fed while the next chunk is read and hashed. */
    private static final int CHUNK = 1 << 20;
    private static final int CHUNKS = 4;

    /** One chunk of a blob, in order; {@link #END} after a blob's last chunk; a failure ends the stream. */
    private record Chunk(byte[] bytes, int length, IOException failure) {
        static final Chunk END = new Chunk(null, 0, null);
    }

    /**
     * The hasher thread: for each blob, reads and hashes chunk after chunk and hands each on only once the next one
     * is read, so the last chunk is handed on only after the whole blob matched its digest.
     */
    private void readAndHash(BlockingQueue<byte[]> free, BlockingQueue<Chunk> ready) {
        try {
            for (Map.Entry<String, Long> b : blobs.entrySet()) {
                MessageDigest sha = layersVerified ? null : Digests.sha256();
                try (InputStream in = Files.newInputStream(blob(layout, b.getKey()))) {
                    byte[] held = null;
                    int heldLength = 0;
                    while (true) {
                        byte[] next = free.take();
                        int n = in.readNBytes(next, 0, next.length);
                        if (n == 0) {
                            free.add(next);
                            break;
                        }
                        if (sha != null) {
                            sha.update(next, 0, n);
                        }
                        if (held != null) {
                            ready.put(new Chunk(held, heldLength, null));
                        }
                        held = next;
                        heldLength = n;
                    }
                    String actual = sha == null ? null : "sha256:" + Digests.hex(sha.digest());
                    if (actual != null && !actual.equals(b.getKey())) {
                        defect = corrupt("blob " + b.getKey() + " has sha256 " + actual);
                        ready.put(new Chunk(null, 0, new IOException(defect.getMessage())));
                        return;
                    }
                    if (held != null) {
                        ready.put(new Chunk(held, heldLength, null));
                    }
                    ready.put(Chunk.END);
                }
            }
        } catch (InterruptedException e) {
            // The writer gave up (ctr ended or failed); nothing more is needed.
        } catch (IOException | RuntimeException e) {
            try {
                ready.put(new Chunk(null, 0, e instanceof IOException io ? io : new IOException(e.getMessage(), e)));
            } catch (InterruptedException gaveUp) {
                // As above: nobody reads any more.
            }
        }
    }

    private static void entry(OutputStream sink, String name, byte[] content) throws IOException {
        sink.write(header(name, content.length));
        sink.write(content);
        pad(sink, content.length);
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
