package io.infometis.installer.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import io.infometis.installer.bundle.BundleManifest;

/**
 * Writes small single-platform images (one gzip layer holding one file of random bytes) into an OCI layout, each
 * named by its full reference in {@code index.json}, the way a bundle's {@code images/} holds them.
 */
public final class OciImages {
    private OciImages() {
    }

    /** @param layerBytes size of the random file in each image's layer (random bytes barely compress) */
    public static List<BundleManifest.Image> write(Path layout, List<String> refs, int layerBytes, long seed) throws IOException {
        Files.createDirectories(layout.resolve("blobs/sha256"));
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        List<BundleManifest.Image> images = new ArrayList<>();
        StringBuilder index = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[");
        Random random = new Random(seed);
        for (int i = 0; i < refs.size(); i++) {
            byte[] content = new byte[layerBytes];
            random.nextBytes(content);
            byte[] tar = tar("data/" + i + ".bin", content);
            byte[] layer = gzip(tar);
            String layerDigest = blob(layout, layer);
            String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                    + sha(tar) + "\"]}}";
            byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
            String configDigest = blob(layout, configBytes);
            String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{"
                    + "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest + "\",\"size\":"
                    + configBytes.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                    + "\"digest\":\"" + layerDigest + "\",\"size\":" + layer.length + "}]}";
            byte[] manifestBytes = manifest.getBytes(StandardCharsets.UTF_8);
            String manifestDigest = blob(layout, manifestBytes);
            index.append(i == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"")
                    .append(manifestDigest).append("\",\"size\":").append(manifestBytes.length)
                    .append(",\"annotations\":{\"org.opencontainers.image.ref.name\":\"").append(refs.get(i)).append("\"}}");
            images.add(new BundleManifest.Image(refs.get(i), manifestDigest, "application/vnd.oci.image.manifest.v1+json",
                    "linux/amd64", manifestBytes.length + configBytes.length + layer.length,
                    BundleManifest.Image.STACK));
        }
        index.append("]}");
        Files.writeString(layout.resolve("index.json"), index);
        return images;
    }

    /** The layer blob (the largest file) of the image with this manifest digest. */
    public static Path layerOf(Path layout, String manifestDigest) throws IOException {
        String manifest = Files.readString(layout.resolve("blobs/sha256/" + manifestDigest.substring(7)));
        int at = manifest.lastIndexOf("sha256:");
        return layout.resolve("blobs/sha256/" + manifest.substring(at + 7, at + 71));
    }

    private static String blob(Path layout, byte[] bytes) throws IOException {
        String digest = sha(bytes);
        Files.write(layout.resolve("blobs/sha256/" + digest.substring(7)), bytes);
        return digest;
    }

    static String sha(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] tar(String name, byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            TarArchiveEntry dir = new TarArchiveEntry("data/");
            tar.putArchiveEntry(dir);
            tar.closeArchiveEntry();
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(content.length);
            tar.putArchiveEntry(e);
            tar.write(content);
            tar.closeArchiveEntry();
        }
        return out.toByteArray();
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }
}
