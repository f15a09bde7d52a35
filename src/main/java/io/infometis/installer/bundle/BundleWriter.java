package io.infometis.installer.bundle;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipEncodingHelper;

import io.infometis.installer.Json;

/**
 * Writes a bundle file (format 1): an uncompressed tar whose first entry is bundle.json, then the optional
 * bundle.json.sig, then checksums.txt, then every file in checksums order. The file appears atomically
 * (temp file beside it, then rename). Every size and sha256 is known before a byte is written, so the layout is
 * fixed up front and blobs still being fetched are written into their place as they arrive. Used by
 * {@code bundle build} and by tests that need a bundle quickly.
 */
public final class BundleWriter {
    private static final int BLOCK = 512;
    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Entry> byPath = new LinkedHashMap<>();

    /**
     * One file of the bundle: from disk ({@code source}), memory ({@code bytes}), or written by someone else into
     * its region of the partial file ({@code pending}, {@code size} bytes); {@code sha256} when known.
     */
    private record Entry(String path, Path source, byte[] bytes, String sha256, int mode, boolean pending, long size) {
    }

    public BundleWriter addBytes(String path, byte[] bytes, int mode) {
        return add(new Entry(path, null, bytes.clone(), Digests.sha256(bytes), mode, false, bytes.length));
    }

    public BundleWriter addFile(String path, Path source, int mode) {
        return add(new Entry(path, source, null, null, mode, false, -1));
    }

    /**
     * A file whose sha256 the caller has already checked (the builder's cache verifies every blob as it lands),
     * so writing does not read it twice.
     */
    public BundleWriter addVerifiedFile(String path, Path source, String sha256, int mode) {
        return add(new Entry(path, source, null, sha256, mode, false, -1));
    }

    /**
     * A blob of {@code size} bytes still to be fetched: its header is written up front and the fetcher writes its
     * bytes straight into its {@link Partial#region} while it hashes them, so the bytes reach the bundle without
     * being read back from the cache, and the bundle is complete when the last fetch is.
     */
    public BundleWriter addPendingBlob(String hex, long size) {
        return add(new Entry(BundleEntries.blob(hex), null, null, hex, 0644, true, size));
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
     * may be null. Returns the manifest as written. No pending blobs allowed.
     */
    public BundleManifest write(Path out, BundleManifest manifest, PrivateKey signingKey) throws IOException {
        try (Partial p = open(out, manifest, signingKey)) {
            return p.complete(List.of());
        }
    }

    /**
     * Lays the whole bundle out in a temp file beside {@code out}: every header (bundle.json first, then the
     * signature and checksums.txt) and every in-memory file now, since every size and sha256 is known; files on
     * disk are copied and pending blobs awaited by {@link Partial#complete}.
     */
    public Partial open(Path out, BundleManifest manifest, PrivateKey signingKey) throws IOException {
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
        Partial p = new Partial(out, tmp, done, FileChannel.open(tmp, StandardOpenOption.WRITE));
        try {
            long pos = p.putBytes(0, BundleEntries.MANIFEST, json, 0644, mtime);
            if (signingKey != null) {
                pos = p.putBytes(pos, BundleEntries.SIGNATURE, BundleSignature.sign(json, signingKey), 0644, mtime);
            }
            pos = p.putBytes(pos, BundleEntries.CHECKSUMS, checksums, 0644, mtime);
            for (Entry e : entries) {
                if (e.bytes() != null) {
                    pos = p.putBytes(pos, e.path(), e.bytes(), e.mode(), mtime);
                    continue;
                }
                long size = e.pending() ? e.size() : Files.size(e.source());
                pos = p.writeAt(pos, header(e.path(), size, e.mode(), mtime));
                if (e.pending()) {
                    p.pending.put(e.path(), new Region(tmp, pos, size));
                } else {
                    p.copies.put(e, new Region(tmp, pos, size));
                }
                pos = p.writeAt(pos + size, new byte[padding(size)]);
            }
            p.writeAt(pos, new byte[2 * BLOCK]); // end of archive: two zero blocks
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** Where a file's bytes go in the partial bundle: a fetcher writes there through its own channel. */
    public record Region(Path file, long offset, long size) {
    }

    /** A bundle laid out in its temp file; {@link #close} without {@link #complete} deletes it. */
    public static final class Partial implements Closeable {
        private final Path out;
        private final Path tmp;
        private final BundleManifest manifest;
        private final FileChannel tar;
        private final Map<String, Region> pending = new LinkedHashMap<>();
        private final Map<Entry, Region> copies = new LinkedHashMap<>();
        private boolean completed;

        private Partial(Path out, Path tmp, BundleManifest manifest, FileChannel tar) {
            this.out = out;
            this.tmp = tmp;
            this.manifest = manifest;
            this.tar = tar;
        }

        /** The region of a blob added with {@link #addPendingBlob}. */
        public Region region(String hex) {
            Region r = pending.get(BundleEntries.blob(hex));
            if (r == null) {
                throw new IllegalArgumentException("no pending blob " + hex + " in this bundle");
            }
            return r;
        }

        /**
         * Copies the files on disk into their regions (while the fetches still run), waits for {@code fetches}
         * (the writers of the pending blobs; a failed one fails the bundle), then renames the file into place.
         */
        public BundleManifest complete(Collection<? extends Future<?>> fetches) throws IOException {
            for (Map.Entry<Entry, Region> c : copies.entrySet()) {
                copy(c.getKey(), c.getValue());
            }
            for (Future<?> f : fetches) {
                await(f);
            }
            tar.close();
            // No fsync: forcing gigabytes to disk doubled the build time on this machine's disk, and a bundle
            // carries its own checksums, so a file torn by a crash fails 'bundle verify' instead of installing.
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            completed = true;
            return manifest;
        }

        @Override
        public void close() throws IOException {
            tar.close();
            if (!completed) {
                Files.deleteIfExists(tmp);
            }
        }

        private long putBytes(long pos, String path, byte[] bytes, int mode, Instant mtime) throws IOException {
            pos = writeAt(pos, header(path, bytes.length, mode, mtime));
            pos = writeAt(pos, bytes);
            return writeAt(pos, new byte[padding(bytes.length)]);
        }

        private long writeAt(long pos, byte[] bytes) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                pos += tar.write(buf, pos);
            }
            return pos;
        }

        /** File data goes file to file in the kernel (transferTo), not through Java buffers. */
        private void copy(Entry e, Region at) throws IOException {
            try (FileChannel in = FileChannel.open(e.source(), StandardOpenOption.READ)) {
                long size = at.size();
                if (in.size() != size) {
                    throw new IOException(e.source() + " changed size while the bundle was written");
                }
                tar.position(at.offset());
                for (long pos = 0; pos < size;) {
                    long n = in.transferTo(pos, size - pos, tar);
                    if (n <= 0) {
                        throw new IOException(e.source() + " changed size while being written into the bundle");
                    }
                    pos += n;
                }
            }
        }

        private static void await(Future<?> f) throws IOException {
            try {
                f.get();
            } catch (ExecutionException ex) {
                Throwable cause = ex.getCause();
                if (cause instanceof CompletionException ce && ce.getCause() != null) {
                    cause = ce.getCause();
                }
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                throw cause instanceof IOException io ? io : new IOException(cause);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the blobs", ex);
            }
        }
    }

    /** A ustar header; a name over 100 bytes gets a PAX {@code path} record first (format 1 allows 1024). */
    private static byte[] header(String path, long size, int mode, Instant mtime) {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        String shortName = path;
        ByteArrayOutputStream h = new ByteArrayOutputStream(BLOCK);
        if (name.length >= 100) {
            String body = paxRecord("path", path);
            byte[] pax = body.getBytes(StandardCharsets.UTF_8);
            shortName = "PaxHeaders/" + Digests.sha256(name).substring(0, 32);
            TarArchiveEntry x = new TarArchiveEntry(shortName, TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
            x.setSize(pax.length);
            x.setMode(0644);
            x.setModTime(mtime.toEpochMilli());
            h.writeBytes(block(x));
            h.writeBytes(pax);
            h.writeBytes(new byte[padding(pax.length)]);
        }
        h.writeBytes(block(ustar(shortName, size, mode, mtime)));
        return h.toByteArray();
    }

    private static byte[] block(TarArchiveEntry te) {
        byte[] block = new byte[BLOCK];
        try {
            // starMode: sizes over 8 GiB are written in base-256, which GNU tar and commons-compress read.
            te.writeEntryHeader(block, ZipEncodingHelper.getZipEncoding(StandardCharsets.UTF_8), true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return block;
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

    private static int padding(long size) {
        int rem = (int) (size % BLOCK);
        return rem == 0 ? 0 : BLOCK - rem;
    }

    private static TarArchiveEntry ustar(String path, long size, int mode, Instant mtime) {
        TarArchiveEntry te = new TarArchiveEntry(path, true);
        te.setSize(size);
        te.setMode(mode);
        te.setModTime(mtime.toEpochMilli());
        te.setIds(0, 0);
        te.setNames("root", "root");
        return te;
    }
}
