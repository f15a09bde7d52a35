package io.infometis.installer.bundle;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The safe, streaming tar reader everything that opens a bundle goes through. It hands out regular files only
 * and refuses, as a {@link BundleDefect}: {@code ..} and absolute names, links of any kind (format 1 has none, so
 * none can escape), device, fifo and other special entries, duplicates, sparse files, entries or totals over
 * the {@link BundleLimits}, a file that ends inside an entry (a size lie or truncation), and a gzip'd bundle that
 * expands like a decompression bomb. zstd input is refused: decoding it needs a native library.
 */
public final class BundleReader implements Closeable {
    private final BundleLimits limits;
    private final CountingStream raw;
    private final CountingStream decoded;
    private final TarArchiveInputStream tar;
    private final boolean compressed;
    private final Set<String> seen = new HashSet<>();
    private String last = "(start of file)";
    private long total;
    private int entries;

    /** A regular file entry; {@link #data()} reads exactly its bytes and is valid until the next call to next(). */
    public record Entry(String name, long size, int mode, InputStream data) {
    }

    public BundleReader(Path file, BundleLimits limits) throws IOException {
        this.limits = limits;
        this.raw = new CountingStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20));
        raw.mark(4);
        byte[] magic = raw.readNBytes(4);
        raw.reset();
        raw.bytes = 0;
        if (magic.length >= 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                && (magic[3] & 0xff) == 0xfd) {
            raw.close();
            throw new BundleDefect("(file)", "zstd-compressed; this installer reads a plain tar or tar.gz — run 'zstd -d' on it first");
        }
        compressed = magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
        InputStream body;
        try {
            body = new BufferedInputStream(compressed ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16);
            body.mark(TAR_BLOCK);
            byte[] first = body.readNBytes(TAR_BLOCK);
            body.reset();
            if (!isTarHeader(first)) {
                raw.close();
                throw new BundleDefect("(file)", "not a bundle (not a tar archive" + (compressed ? " inside the gzip" : "") + ")");
            }
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            raw.close();
            throw new BundleDefect("(file)", "not a bundle (corrupt gzip: " + e.getMessage() + ")");
        }
        this.decoded = new CountingStream(body);
        this.tar = new TarArchiveInputStream(decoded);
    }

    /** The next regular file, or null at the end of the archive. */
    public Entry next() throws IOException {
        while (true) {
            TarArchiveEntry e;
            try {
                e = tar.getNextEntry();
            } catch (BundleDefect d) {
                throw d;
            } catch (IOException | IllegalArgumentException ex) {
                throw new BundleDefect("after " + last, "unreadable tar header (" + ex.getMessage() + ")");
            }
            if (e == null) {
                return null;
            }
            String name = e.getName();
            if (name.startsWith("./") && name.length() > 2) {
                name = name.substring(2);
            }
            String unsafe = BundleEntries.unsafePath(name);
            if (unsafe != null) {
                throw new BundleDefect(name, unsafe);
            }
            String key = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
            if (!seen.add(key)) {
                throw new BundleDefect(name, "duplicate entry");
            }
            if (++entries > limits.maxEntries()) {
                throw new BundleDefect(name, "more than " + limits.maxEntries() + " entries");
            }
            last = name;
            byte flag = e.getLinkFlag();
            if (e.isSymbolicLink() || e.isLink()) {
                throw new BundleDefect(name, (e.isSymbolicLink() ? "symlink" : "hardlink") + " to " + e.getLinkName()
                        + " (format 1 has no links; a link could escape the target)");
            }
            if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
                throw new BundleDefect(name, "device or fifo entry");
            }
            if (e.isSparse()) {
                throw new BundleDefect(name, "sparse entry");
            }
            if (e.isDirectory()) {
                continue;
            }
            if (flag != TarConstants.LF_NORMAL && flag != TarConstants.LF_OLDNORM) {
                throw new BundleDefect(name, "unsupported entry type '" + (char) flag + "'");
            }
            if (e.getSize() < 0) {
                throw new BundleDefect(name, "negative size");
            }
            // Compared before adding: a size of 2^63-1 must not wrap the total round to a small number.
            if (e.getSize() > limits.maxTotalBytes() - total) {
                throw new BundleDefect(name, "bundle larger than the limit of " + limits.maxTotalBytes() + " bytes");
            }
            total += e.getSize();
            return new Entry(name, e.getSize(), e.getMode(), new EntryStream(name, e.getSize()));
        }
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }

    /** Reads one entry, turning an early end of file into a defect naming the entry. */
    private final class EntryStream extends InputStream {
        private final String name;
        private long remaining;

        EntryStream(String name, long size) {
            this.name = name;
            this.remaining = size;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining == 0) {
                return -1;
            }
            int n;
            try {
                n = tar.read(b, off, (int) Math.min(len, remaining));
            } catch (BundleDefect d) {
                throw d;
            } catch (IOException ex) {
                throw new BundleDefect(name, "file ends inside this entry (truncated, or its size is a lie): " + ex.getMessage());
            }
            if (n < 0) {
                throw new BundleDefect(name, "file ends inside this entry (truncated, or its size is a lie)");
            }
            remaining -= n;
            return n;
        }
    }

    /** Counts bytes; on the decoded side of a gzip'd bundle it also stops a decompression bomb early. */
    private final class CountingStream extends FilterInputStream {
        long bytes;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            counted(s);
            return s;
        }

        private void counted(long n) {
            bytes += n;
            if (this == decoded && compressed) {
                // Tar framing adds at most a few KiB per entry over the declared sizes.
                long cap = limits.maxTotalBytes() + 1024L * Math.max(entries, 1) + (1 << 20);
                if (bytes > cap) {
                    throw new BundleDefect(last, "decompressed data exceeds the limit of " + limits.maxTotalBytes()
                            + " bytes (a decompression bomb?)");
                }
                if (bytes > (64L << 20) && bytes > (long) limits.maxRatio() * Math.max(raw.bytes, 1)) {
                    throw new BundleDefect(last, "expands more than " + limits.maxRatio()
                            + ":1 (a decompression bomb?); bundles hold already-compressed layers");
                }
            }
        }
    }

    private static final int TAR_BLOCK = 512;

    /**
     * The first block is a tar header (its checksum matches) or the all-zero end marker of an empty archive. A text
     * file is neither, and is "not a tar archive" rather than "an empty archive".
     */
    private static boolean isTarHeader(byte[] h) {
        if (h.length < TAR_BLOCK) {
            return false;
        }
        long sum = 0;
        boolean zeros = true;
        for (int i = 0; i < TAR_BLOCK; i++) {
            zeros &= h[i] == 0;
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        }
        if (zeros) {
            return true;
        }
        String field = new String(h, 148, 8, java.nio.charset.StandardCharsets.US_ASCII).replace('\0', ' ').trim();
        try {
            return !field.isEmpty() && Long.parseLong(field, 8) == sum;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** True when a regular file or directory of this name has been read. */
    public boolean sawFile(String name) {
        return seen.contains(name);
    }
}
