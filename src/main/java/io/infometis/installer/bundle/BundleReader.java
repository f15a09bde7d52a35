package io.infometis.installer.bundle;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The safe, streaming tar reader everything that opens a bundle goes through. It hands out regular files only
 * and refuses, as a {@link BundleDefect}: a header whose checksum, magic or numbers are wrong ({@link TarHeader});
 * {@code ..} and absolute names, links of any kind (format 1 has none, so none can escape), device, fifo, sparse,
 * GNU and global pax entries; a pax record other than {@code path} or {@code size}; duplicates; entries or totals
 * over the {@link BundleLimits}; a file that ends inside an entry or before the end-of-archive marker (a size lie or
 * truncation); anything but zero bytes after that marker; and a gzip'd bundle that is not exactly one valid gzip
 * member ({@link GzipMember}) or that expands like a decompression bomb. zstd input is refused: decoding it needs a
 * native library.
 */
public final class BundleReader implements Closeable {
    private static final int MAX_PAX_BYTES = 64 << 10;

    private final BundleLimits limits;
    private final CountingStream raw;
    private final CountingStream decoded;
    private final boolean compressed;
    private final Set<String> seen = new HashSet<>();
    private final byte[] block = new byte[TarHeader.BLOCK];
    private String last = "(start of file)";
    private boolean sawHeader;
    private long total;
    private int entries;
    private EntryStream current;
    private boolean ended;

    /** A regular file entry; {@link #data()} reads exactly its bytes and is valid until the next call to next(). */
    public record Entry(String name, long size, int mode, InputStream data) {
    }

    public BundleReader(Path file, BundleLimits limits) throws IOException {
        this.limits = limits;
        this.raw = new CountingStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20));
        try {
            raw.mark(4);
            byte[] magic = raw.readNBytes(4);
            raw.reset();
            raw.bytes = 0;
            if (magic.length >= 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                    && (magic[3] & 0xff) == 0xfd) {
                throw new BundleDefect("(file)", "zstd-compressed; this installer reads a plain tar or tar.gz — run 'zstd -d' on it first");
            }
            compressed = magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
            this.decoded = new CountingStream(compressed ? new GzipMember(raw) : raw);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** The next regular file, or null after the end-of-archive marker (and nothing but zeros after it). */
    public Entry next() throws IOException {
        if (ended) {
            return null;
        }
        finishCurrent();
        Map<String, String> pax = null;
        while (true) {
            if (!readBlock()) {
                throw sawHeader ? new BundleDefect("after " + last,
                        "the archive ends without its end-of-archive marker (truncated?)") : notATar();
            }
            if (TarHeader.isZero(block)) {
                if (pax != null) {
                    throw new BundleDefect("after " + last, "a pax header with no entry after it");
                }
                endOfArchive();
                return null;
            }
            TarHeader.Parsed h;
            try {
                h = TarHeader.parse(block, "after " + last);
            } catch (BundleDefect d) {
                // The first header decides what the file is: a text file is "not a bundle", not a bad checksum.
                throw sawHeader ? d : notATar();
            }
            sawHeader = true;
            if (h.type() == TarConstants.LF_PAX_EXTENDED_HEADER_LC) {
                if (pax != null) {
                    throw new BundleDefect("after " + last, "two pax headers in a row");
                }
                pax = pax(h.size());
                continue;
            }
            String name = pax != null && pax.containsKey("path") ? pax.get("path") : h.name();
            long size = pax != null && pax.containsKey("size") ? paxSize(pax.get("size")) : h.size();
            pax = null;
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
            refuseSpecial(name, h);
            if (h.type() == TarConstants.LF_DIR) {
                if (size != 0) {
                    throw new BundleDefect(name, "directory entry with data");
                }
                continue;
            }
            if (size > limits.maxTotalBytes() - total) {
                throw new BundleDefect(name, "bundle larger than the limit of " + limits.maxTotalBytes() + " bytes");
            }
            total += size;
            current = new EntryStream(name, size);
            return new Entry(name, size, h.mode(), current);
        }
    }

    private static void refuseSpecial(String name, TarHeader.Parsed h) {
        byte t = h.type();
        if (t == TarConstants.LF_SYMLINK || t == TarConstants.LF_LINK) {
            throw new BundleDefect(name, (t == TarConstants.LF_SYMLINK ? "symlink" : "hardlink") + " to " + h.linkName()
                    + " (format 1 has no links; a link could escape the target)");
        }
        if (t == TarConstants.LF_CHR || t == TarConstants.LF_BLK || t == TarConstants.LF_FIFO) {
            throw new BundleDefect(name, "device or fifo entry");
        }
        if (t == TarConstants.LF_GNUTYPE_SPARSE) {
            throw new BundleDefect(name, "sparse entry");
        }
        if (t == TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER || t == TarConstants.LF_GNUTYPE_LONGNAME
                || t == TarConstants.LF_GNUTYPE_LONGLINK) {
            throw new BundleDefect(name, "global pax or GNU long-name entry (the builder writes neither)");
        }
        if (t != TarConstants.LF_NORMAL && t != TarConstants.LF_OLDNORM && t != TarConstants.LF_DIR) {
            throw new BundleDefect(name, "unsupported entry type '" + Grammar.printable(String.valueOf((char) (t & 0xff))) + "'");
        }
    }

    /** A local pax header's records; only {@code path} and {@code size} are expected, each at most once. */
    private Map<String, String> pax(long size) throws IOException {
        if (size > MAX_PAX_BYTES) {
            throw new BundleDefect("after " + last, "pax header of " + size + " bytes (at most " + MAX_PAX_BYTES + ")");
        }
        byte[] data = new byte[(int) size];
        if (decoded.readNBytes(data, 0, data.length) != data.length) {
            throw new BundleDefect("after " + last, "file ends inside a pax header (truncated)");
        }
        skipPadding(size);
        Map<String, String> records = new HashMap<>();
        int pos = 0;
        while (pos < data.length) {
            int sp = pos;
            while (sp < data.length && sp - pos < 8 && data[sp] >= '0' && data[sp] <= '9') {
                sp++;
            }
            if (sp == pos || sp >= data.length || data[sp] != ' ' || data[pos] == '0') {
                throw new BundleDefect("after " + last, "malformed pax record");
            }
            int len = Integer.parseInt(new String(data, pos, sp - pos, StandardCharsets.US_ASCII));
            int end = pos + len;
            if (len <= sp - pos + 1 || end > data.length || data[end - 1] != '\n') {
                throw new BundleDefect("after " + last, "malformed pax record");
            }
            String record = TarHeader.utf8(data, sp + 1, end - 1 - (sp + 1), "after " + last);
            int eq = record.indexOf('=');
            String k = eq < 0 ? record : record.substring(0, eq);
            if (!k.equals("path") && !k.equals("size")) {
                throw new BundleDefect("after " + last, "pax record " + Grammar.quote(k) + " (a bundle uses only path and size)");
            }
            if (records.put(k, record.substring(eq + 1)) != null) {
                throw new BundleDefect("after " + last, "pax record " + k + " twice");
            }
            pos = end;
        }
        return records;
    }

    private long paxSize(String v) {
        if (!v.matches("[0-9]{1,19}")) {
            throw new BundleDefect("after " + last, "pax size " + Grammar.quote(v) + " is not a number");
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new BundleDefect("after " + last, "pax size " + Grammar.quote(v) + " does not fit in 63 bits");
        }
    }

    /** Two zero blocks end the archive; whatever follows must be zero padding (tar's blocking factor). */
    private void endOfArchive() throws IOException {
        if (!readBlock()) {
            throw new BundleDefect("(end of archive)", "one zero block where the end-of-archive marker has two (truncated?)");
        }
        if (!TarHeader.isZero(block)) {
            throw new BundleDefect("(end of archive)", "a lone zero block inside the archive");
        }
        byte[] rest = new byte[1 << 16];
        for (int n; (n = decoded.read(rest)) >= 0;) {
            for (int i = 0; i < n; i++) {
                if (rest[i] != 0) {
                    throw new BundleDefect("(end of archive)", "data after the end-of-archive marker");
                }
            }
        }
        ended = true;
    }

    /** Reads one block; false at a clean end of file, a defect when the file ends inside it. */
    private boolean readBlock() throws IOException {
        int n = decoded.readNBytes(block, 0, TarHeader.BLOCK);
        if (n == 0) {
            return false;
        }
        if (n < TarHeader.BLOCK) {
            throw sawHeader ? new BundleDefect("after " + last, "file ends inside a tar header (truncated)") : notATar();
        }
        return true;
    }

    /** Skips what the caller left of the current entry, and its padding to the next block. */
    private void finishCurrent() throws IOException {
        if (current == null) {
            return;
        }
        byte[] skip = new byte[1 << 16];
        while (current.read(skip, 0, skip.length) > 0) {
            // discard
        }
        skipPadding(current.size);
        current = null;
    }

    private void skipPadding(long size) throws IOException {
        int pad = (int) ((TarHeader.BLOCK - (size % TarHeader.BLOCK)) % TarHeader.BLOCK);
        if (pad > 0 && decoded.readNBytes(new byte[pad], 0, pad) != pad) {
            throw new BundleDefect(last, "file ends inside this entry's padding (truncated)");
        }
    }

    @Override
    public void close() throws IOException {
        decoded.close();
    }

    /** Reads one entry, turning an early end of file into a defect naming the entry. */
    private final class EntryStream extends InputStream {
        private final String name;
        private final long size;
        private long remaining;

        EntryStream(String name, long size) {
            this.name = name;
            this.size = size;
            this.remaining = size;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining == 0 || current != this) {
                return -1;
            }
            int n = decoded.read(b, off, (int) Math.min(len, remaining));
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

    /** True when a regular file or directory of this name has been read. */
    public boolean sawFile(String name) {
        return seen.contains(name);
    }

    private BundleDefect notATar() {
        return new BundleDefect("(file)", "not a bundle (not a tar archive" + (compressed ? " inside the gzip" : "") + ")");
    }
}
