package io.infometis.installer.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.infometis.installer.Json;

/**
 * Streams an OCI-layout tar of one image (or all) from the unpacked bundle's {@code images/} dir, for
 * {@code ctr -n k8s.io images import -} on stdin ({@code Processes.run(..., stdin, ...)}): one image at a time
 * gives the images phase one unit per image. The tar holds {@code oci-layout}, an {@code index.json} listing just
 * that image under its full ref, and the blobs present for it; blob bytes are copied, never rewritten.
 */
public final class OciArchive {
    private OciArchive() {
    }

    /** The fully qualified refs of the images in an unpacked layout, in index.json order. */
    public static List<String> refs(Path imagesDir) throws IOException {
        List<String> refs = new ArrayList<>();
        for (OciLayout.Descriptor d : OciLayout.manifests(OciLayout.parse(Files.readAllBytes(imagesDir.resolve("index.json"))))) {
            refs.add(d.refName());
        }
        return refs;
    }

    /** Writes the tar of the image named {@code ref} (null: every image) to {@code out}; does not close it. */
    public static void write(Path imagesDir, String ref, OutputStream out) throws IOException {
        JsonNode index = OciLayout.parse(Files.readAllBytes(imagesDir.resolve("index.json")));
        ArrayNode kept = Json.MAPPER.createArrayNode();
        Set<String> blobs = new LinkedHashSet<>();
        for (JsonNode node : index.path("manifests")) {
            OciLayout.Descriptor d = OciLayout.descriptor(node);
            if (ref == null || ref.equals(d.refName())) {
                kept.add(node);
                collect(imagesDir, d, blobs);
            }
        }
        if (kept.isEmpty()) {
            throw new IOException("no image " + ref + " in " + imagesDir.resolve("index.json"));
        }
        ObjectNode newIndex = Json.MAPPER.createObjectNode();
        newIndex.put("schemaVersion", 2).put("mediaType", OciLayout.OCI_INDEX);
        newIndex.set("manifests", kept);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new NonClosing(out), 10240);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        put(tar, "oci-layout", OciLayout.LAYOUT_FILE.getBytes());
        put(tar, "index.json", Json.MAPPER.writeValueAsBytes(newIndex));
        byte[] buf = new byte[1 << 20];
        for (String hex : blobs) {
            Path blob = imagesDir.resolve("blobs/sha256/" + hex);
            TarArchiveEntry e = new TarArchiveEntry("blobs/sha256/" + hex);
            e.setSize(Files.size(blob));
            e.setMode(0644);
            tar.putArchiveEntry(e);
            try (InputStream in = Files.newInputStream(blob)) {
                for (int n; (n = in.read(buf)) > 0;) {
                    tar.write(buf, 0, n);
                }
            }
            tar.closeArchiveEntry();
        }
        tar.finish();
        tar.flush();
    }

    /** Adds the blob and, for an index or manifest, its children that are present (other platforms are not). */
    private static void collect(Path imagesDir, OciLayout.Descriptor d, Set<String> blobs) throws IOException {
        Path blob = imagesDir.resolve("blobs/sha256/" + d.hex());
        if (!Files.isRegularFile(blob, LinkOption.NOFOLLOW_LINKS) || !blobs.add(d.hex())) {
            return;
        }
        if (d.isIndex()) {
            for (OciLayout.Descriptor c : OciLayout.manifests(OciLayout.parse(Files.readAllBytes(blob)))) {
                collect(imagesDir, c, blobs);
            }
        } else if (d.isManifest()) {
            for (OciLayout.Descriptor c : OciLayout.blobs(OciLayout.parse(Files.readAllBytes(blob)))) {
                collect(imagesDir, c, blobs);
            }
        }
    }

    private static void put(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(bytes.length);
        e.setMode(0644);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
