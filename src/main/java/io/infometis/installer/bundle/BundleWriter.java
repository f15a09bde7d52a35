package io.infometis.installer.bundle;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import io.infometis.installer.Json;

/**
 * Writes a bundle file (format 1): an uncompressed tar whose first entry is bundle.json, then the optional
 * bundle.json.sig, then checksums.txt, then every file in checksums order. The file appears atomically
 * (temp file beside it, fsync, rename). Used by {@code bundle build} and by tests that need a bundle quickly.
 */
public final class BundleWriter {
    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Entry> byPath = new LinkedHashMap<>();

    /** One file of the bundle: from disk ({@code source}) or memory ({@code bytes}); {@code sha256} when known. */
    private record Entry(String path, Path source, byte[] bytes, String sha256, int mode) {
        long size() throws IOException {
            return bytes != null ? bytes.length : Files.size(source);
        }
    }

    public BundleWriter addBytes(String path, byte[] bytes, int mode) {
        return add(new Entry(path, null, bytes.clone(), Digests.sha256(bytes), mode));
    }

    public BundleWriter addFile(String path, Path source, int mode) {
        return add(new Entry(path, source, null, null, mode));
    }

    /**
     * A file whose sha256 the caller has already checked (the builder's cache verifies every blob as it lands),
     * so writing does not read it twice.
     */
    public BundleWriter addVerifiedFile(String path, Path source, String sha256, int mode) {
        return add(new Entry(path, source, null, sha256, mode));
    }

    /** Adds a blob of the bundle's OCI layout. */
    public BundleWriter addBlob(String hex, Path source, boolean verified) {
        return verified ? addVerifiedFile(BundleEntries.blob(hex), source, hex, 0644)
                : addFile(BundleEntries.blob(hex), source, 0644);
    }

    public boolean has(String path) {
        return byPath.containsKey(path);
    }

    private BundleWriter add(Entry e) {
        String unsafe = BundleEntries.unsafePath(e.path());
        if (unsafe != null || e.path().endsWith("/")) {
            throw new IllegalArgumentException("bundle path " + e.path() + ": " + unsafe);
        }
        if (e.path().equals(BundleEntries.MANIFEST) || e.path().equals(BundleEntries.SIGNATURE)
                || e.path().equals(BundleEntries.CHECKSUMS)) {
            throw new IllegalArgumentException(e.path() + " is written by the writer itself");
        }
        if (byPath.putIfAbsent(e.path(), e) != null) {
            throw new IllegalArgumentException("bundle path " + e.path() + " added twice");
        }
        entries.add(e);
        return this;
    }

    /**
     * Writes the bundle to {@code out}. {@code manifest.checksumsSha256} is filled in here; {@code signingKey}
     * may be null. Returns the manifest as written.
     */
    public BundleManifest write(Path out, BundleManifest manifest, PrivateKey signingKey) throws IOException {
        Map<String, String> sums = new LinkedHashMap<>();
        for (Entry e : entries) {
            sums.put(e.path(), e.sha256() != null ? e.sha256() : Digests.sha256(e.source()));
        }
        byte[] checksums = Checksums.of(sums).toBytes();
        BundleManifest done = new BundleManifest(manifest.formatVersion(), manifest.name(), manifest.version(),
                manifest.created(), manifest.platform(), manifest.k0s(), manifest.images(), manifest.components(),
                manifest.volumes(), Digests.sha256(checksums));
        byte[] json = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(done);
        Instant mtime = manifest.created() != null ? manifest.created() : Instant.EPOCH;

        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + out.getFileName(), ".partial");
        try {
            try (OutputStream fos = Files.newOutputStream(tmp);
                    TarArchiveOutputStream tar = new TarArchiveOutputStream(new BufferedOutputStream(fos, 1 << 20))) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                putBytes(tar, BundleEntries.MANIFEST, json, 0644, mtime);
                if (signingKey != null) {
                    putBytes(tar, BundleEntries.SIGNATURE, BundleSignature.sign(json, signingKey), 0644, mtime);
                }
                putBytes(tar, BundleEntries.CHECKSUMS, checksums, 0644, mtime);
                byte[] buf = new byte[1 << 20];
                for (Entry e : entries) {
                    if (e.bytes() != null) {
                        putBytes(tar, e.path(), e.bytes(), e.mode(), mtime);
                        continue;
                    }
                    TarArchiveEntry te = header(e.path(), e.size(), e.mode(), mtime);
                    tar.putArchiveEntry(te);
                    long copied = 0;
                    try (InputStream in = Files.newInputStream(e.source())) {
                        for (int n; (n = in.read(buf)) > 0;) {
                            tar.write(buf, 0, n);
                            copied += n;
                        }
                    }
                    if (copied != te.getSize()) {
                        throw new IOException(e.source() + " changed size while being written into the bundle");
                    }
                    tar.closeArchiveEntry();
                }
                tar.finish();
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return done;
    }

    private static void putBytes(TarArchiveOutputStream tar, String path, byte[] bytes, int mode, Instant mtime)
            throws IOException {
        tar.putArchiveEntry(header(path, bytes.length, mode, mtime));
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    private static TarArchiveEntry header(String path, long size, int mode, Instant mtime) {
        TarArchiveEntry te = new TarArchiveEntry(path, true);
        te.setSize(size);
        te.setMode(mode);
        te.setModTime(mtime.toEpochMilli());
        te.setIds(0, 0);
        te.setNames("root", "root");
        return te;
    }
}
