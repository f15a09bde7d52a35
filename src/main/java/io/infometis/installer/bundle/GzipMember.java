package io.infometis.installer.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Exactly one gzip member (RFC 1952), read strictly, for an operator who gzip'd a bundle in transit. The JDK's
 * GZIPInputStream reads concatenated members and silently ignores bytes after the last one that do not form a
 * header, so two readers could see two bundles; here the header is checked field by field (method 8, no reserved
 * flags, name and comment at most 1 KiB, the header CRC when flagged), the trailer's CRC-32 and length must match,
 * and any byte after the member — a second member or trailing junk — is a defect. Every refusal is a
 * {@link BundleDefect}, never a ZipException.
 */
final class GzipMember extends InputStream {
    private static final String WHERE = "(gzip stream)";
    private static final int MAX_FIELD = 1024;

    private final InputStream in;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final byte[] buf = new byte[1 << 16];
    private int bufLen;
    private long produced;
    private boolean done;

    GzipMember(InputStream in) throws IOException {
        this.in = in;
        header();
    }

    private void header() throws IOException {
        CRC32 hcrc = new CRC32();
        int id1 = need(hcrc);
        int id2 = need(hcrc);
        int cm = need(hcrc);
        int flg = need(hcrc);
        if (id1 != 0x1f || id2 != 0x8b) {
            throw new BundleDefect(WHERE, "not a gzip header");
        }
        if (cm != 8) {
            throw new BundleDefect(WHERE, "gzip compression method " + cm + " (only deflate, 8, exists)");
        }
        if ((flg & 0xe0) != 0) {
            throw new BundleDefect(WHERE, "gzip header sets reserved flags");
        }
        for (int i = 0; i < 6; i++) {
            need(hcrc); // MTIME, XFL, OS
        }
        if ((flg & 0x04) != 0) { // FEXTRA
            int xlen = need(hcrc) | (need(hcrc) << 8);
            for (int i = 0; i < xlen; i++) {
                need(hcrc);
            }
        }
        for (int flag : new int[] { 0x08, 0x10 }) { // FNAME, FCOMMENT: zero-terminated
            if ((flg & flag) != 0) {
                int n = 0;
                while (need(hcrc) != 0) {
                    if (++n > MAX_FIELD) {
                        throw new BundleDefect(WHERE, "gzip header name or comment longer than " + MAX_FIELD + " bytes");
                    }
                }
            }
        }
        if ((flg & 0x02) != 0) { // FHCRC
            int want = (int) (hcrc.getValue() & 0xffff);
            int got = need(null) | (need(null) << 8);
            if (got != want) {
                throw new BundleDefect(WHERE, "gzip header CRC does not match");
            }
        }
    }

    private int need(CRC32 sum) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new BundleDefect(WHERE, "file ends inside the gzip header");
        }
        if (sum != null) {
            sum.update(b);
        }
        return b;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (done) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        while (true) {
            int n;
            try {
                n = inflater.inflate(b, off, len);
            } catch (DataFormatException e) {
                throw new BundleDefect(WHERE, "corrupt deflate data (" + e.getMessage() + ")");
            }
            if (n > 0) {
                crc.update(b, off, n);
                produced += n;
                return n;
            }
            if (inflater.finished()) {
                trailer();
                done = true;
                return -1;
            }
            if (inflater.needsDictionary()) {
                throw new BundleDefect(WHERE, "deflate data asks for a preset dictionary");
            }
            if (inflater.needsInput()) {
                bufLen = in.read(buf);
                if (bufLen < 0) {
                    throw new BundleDefect(WHERE, "file ends inside the compressed data (truncated)");
                }
                inflater.setInput(buf, 0, bufLen);
            } else {
                throw new BundleDefect(WHERE, "deflate data makes no progress");
            }
        }
    }

    /** CRC-32 and ISIZE after the deflate data, then nothing at all. */
    private void trailer() throws IOException {
        int rest = inflater.getRemaining();
        int from = bufLen - rest;
        byte[] t = new byte[8];
        int have = Math.min(rest, 8);
        System.arraycopy(buf, from, t, 0, have);
        for (int i = have; i < 8; i++) {
            int c = in.read();
            if (c < 0) {
                throw new BundleDefect(WHERE, "file ends inside the gzip trailer (truncated)");
            }
            t[i] = (byte) c;
        }
        long wantCrc = le32(t, 0);
        long wantSize = le32(t, 4);
        if (wantCrc != crc.getValue()) {
            throw new BundleDefect(WHERE, "gzip CRC-32 does not match the data");
        }
        if (wantSize != (produced & 0xffffffffL)) {
            throw new BundleDefect(WHERE, "gzip length field does not match the data");
        }
        if (rest > 8 || in.read() >= 0) {
            throw new BundleDefect(WHERE, "data after the gzip stream (a second member or trailing bytes); compress the bundle as one gzip stream");
        }
    }

    private static long le32(byte[] b, int off) {
        return (b[off] & 0xffL) | (b[off + 1] & 0xffL) << 8 | (b[off + 2] & 0xffL) << 16 | (b[off + 3] & 0xffL) << 24;
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        in.close();
    }
}
