package io.infometis.installer.bundle;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipEncodingHelper;

import io.infometis.installer.Json;

/**
 * Writes a bundle file (format 1): an uncompressed tar whose first entry is bundle.json, then the optional
 * bundle.json.sig, then checksums.txt, then every file in checksums order. The file appears atomically
 * (temp file beside it, then rename). Used by {@code bundle build} and by tests that need a bundle quickly.
 */
public final class BundleWriter {
    private static final int BLOCK = 512;
    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Entry> byPath = new LinkedHashMap<>();

    /** One file of the bundle: from disk ({@code source}) or memory ({@code bytes}); {@code sha256} when known. */
    private record Entry(String path, Path source, byte[] bytes, String sha256, int mode, Future<?> ready) {
    }

    public BundleWriter addBytes(String path, byte[] bytes, int mode) {
        return add(new Entry(path, null, bytes.clone(), Digests.sha256(bytes), mode, null));
    }

    public BundleWriter addFile(String path, Path source, int mode) {
        return add(new Entry(path, source, null, null, mode, null));
    }

    /**
     * A file whose sha256 the caller has already checked (the builder's cache verifies every blob as it lands),
     * so writing does not read it twice.
     */
    public BundleWriter addVerifiedFile(String path, Path source, String sha256, int mode) {
        return add(new Entry(path, source, null, sha256, mode, null));
    }

    /**
     * A blob still being fetched into {@code source}: the writer waits for {@code ready} just before copying it,
     * so writing the bundle overlaps with fetching the blobs after it. A failed fetch fails the write.
     */
    public BundleWriter addPendingBlob(String hex, Path source, Future<?> ready) {
        return add(new Entry(BundleEntries.blob(hex), source, null, hex, 0644, ready));
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
            try (FileChannel tar = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                putBytes(tar, BundleEntries.MANIFEST, json, 0644, mtime);
                if (signingKey != null) {
                    putBytes(tar, BundleEntries.SIGNATURE, BundleSignature.sign(json, signingKey), 0644, mtime);
                }
                putBytes(tar, BundleEntries.CHECKSUMS, checksums, 0644, mtime);
                for (Entry e : entries) {
                    if (e.bytes() != null) {
                        putBytes(tar, e.path(), e.bytes(), e.mode(), mtime);
                    } else {
                        putFile(tar, e, mtime);
                    }
                }
                writeFully(tar, ByteBuffer.allocate(2 * BLOCK)); // end of archive: two zero blocks
            }
            // No fsync: forcing gigabytes to disk doubled the build time on this machine's disk, and a bundle
            // carries its own checksums, so a file torn by a crash fails 'bundle verify' instead of installing.
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return done;
    }

    private static void putBytes(FileChannel tar, String path, byte[] bytes, int mode, Instant mtime) throws IOException {
        header(tar, path, bytes.length, mode, mtime);
        writeFully(tar, ByteBuffer.wrap(bytes));
        pad(tar, bytes.length);
    }

    /** File data goes file to file in the kernel (transferTo), not through Java buffers. */
    private static void putFile(FileChannel tar, Entry e, Instant mtime) throws IOException {
        if (e.ready() != null) {
            awaitReady(e);
        }
        try (FileChannel in = FileChannel.open(e.source(), StandardOpenOption.READ)) {
            long size = in.size();
            header(tar, e.path(), size, e.mode(), mtime);
            for (long pos = 0; pos < size;) {
                long n = in.transferTo(pos, size - pos, tar);
                if (n <= 0) {
                    throw new IOException(e.source() + " changed size while being written into the bundle");
                }
                pos += n;
            }
            pad(tar, size);
        }
    }

    private static void awaitReady(Entry e) throws IOException {
        try {
            e.ready().get();
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw ex.getCause() instanceof IOException io ? io : new IOException(ex.getCause());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + e.path(), ex);
        }
    }

    /** A ustar header; a name over 100 bytes gets a PAX {@code path} record first (format 1 allows 1024). */
    private static void header(FileChannel tar, String path, long size, int mode, Instant mtime) throws IOException {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        String shortName = path;
        if (name.length >= 100) {
            String body = paxRecord("path", path);
            byte[] pax = body.getBytes(StandardCharsets.UTF_8);
            shortName = "PaxHeaders/" + Digests.sha256(name).substring(0, 32);
            TarArchiveEntry x = new TarArchiveEntry(shortName, TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
            x.setSize(pax.length);
            x.setMode(0644);
            x.setModTime(mtime.toEpochMilli());
            writeHeader(tar, x);
            writeFully(tar, ByteBuffer.wrap(pax));
            pad(tar, pax.length);
        }
        writeHeader(tar, header(shortName, size, mode, mtime));
    }

    private static void writeHeader(FileChannel tar, TarArchiveEntry te) throws IOException {
        byte[] block = new byte[BLOCK];
        // starMode: sizes over 8 GiB are written in base-256, which GNU tar and commons-compress read.
        te.writeEntryHeader(block, ZipEncodingHelper.getZipEncoding(StandardCharsets.UTF_8), true);
        writeFully(tar, ByteBuffer.wrap(block));
    }

    /** {@code "<len> key=value\n"} where len counts the whole record, its own digits included. */
    static String paxRecord(String key, String value) {
        int rest = key.length() + value.getBytes(StandardCharsets.UTF_8).length + 3;
        int len = rest + String.valueOf(rest).length();
        if (String.valueOf(len).length() != String.valueOf(rest).length()) {
            len++;
        }
        return len + " " + key + "=" + value + "\n";
    }

    private static void pad(FileChannel tar, long size) throws IOException {
        int rem = (int) (size % BLOCK);
        if (rem != 0) {
            writeFully(tar, ByteBuffer.allocate(BLOCK - rem));
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
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
