package io.infometis.installer.bundle;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * One 512-byte POSIX ustar header, parsed the one way this installer reads a bundle (docs/bundle-format.md,
 * "Reading a bundle safely"). What {@code tar} would read differently is refused, not guessed:
 * <ul>
 * <li>the header checksum must match: the <b>unsigned</b> sum of the 512 bytes with the checksum field counted as
 * spaces (POSIX). The historic signed sum (old Sun tar) is not accepted: every writer since POSIX.1-1988 uses the
 * unsigned one, the builder among them, and the two only differ in headers holding bytes over 0x7f;</li>
 * <li>magic {@code "ustar\0"} version {@code "00"} only (the builder's format; no GNU or v7 headers);</li>
 * <li>the {@code prefix} field must be empty: the builder puts a long name in a pax {@code path} record, and a reader
 * that ignored a prefix would see another name than {@code tar} does;</li>
 * <li>numbers are octal (leading spaces or zeros, ended by NUL or space), or base-256 for the size (as written for
 * entries over 8 GiB), and must fit in a long: no overflow.</li>
 * </ul>
 */
final class TarHeader {
    static final int BLOCK = 512;

    /** A parsed header. {@code type} is the typeflag byte; {@code name} is the name field (no pax applied). */
    record Parsed(String name, int mode, long size, byte type, String linkName) {
    }

    private TarHeader() {
    }

    static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** Parses a non-zero block; {@code where} names the position for a refusal ("after images/index.json"). */
    static Parsed parse(byte[] h, String where) {
        long stored = octal(h, 148, 8, where, "checksum");
        long unsigned = 0;
        for (int i = 0; i < BLOCK; i++) {
            unsigned += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        }
        if (stored != unsigned) {
            throw new BundleDefect(where, "tar header checksum " + stored + " does not match its content (" + unsigned
                    + "): a corrupt or hand-edited header");
        }
        if (!(h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r' && h[262] == 0
                && h[263] == '0' && h[264] == '0')) {
            throw new BundleDefect(where, "not a POSIX ustar header (magic/version differ); bundles are written as ustar");
        }
        for (int i = 345; i < 500; i++) {
            if (h[i] != 0) {
                throw new BundleDefect(where, "tar header uses the ustar prefix field; a bundle names long paths in a pax record");
            }
        }
        String name = string(h, 0, 100, where);
        int mode = (int) (octal(h, 100, 8, where, "mode") & 07777);
        long size = size(h, where);
        String link = string(h, 157, 100, where);
        return new Parsed(name, mode, size, h[156], link);
    }

    private static long size(byte[] h, String where) {
        if ((h[124] & 0x80) == 0) {
            return octal(h, 124, 12, where, "size");
        }
        if ((h[124] & 0xff) != 0x80) {
            throw new BundleDefect(where, "tar header has a negative base-256 size");
        }
        long v = 0;
        for (int i = 125; i < 136; i++) {
            if ((v >>> 55) != 0) {
                throw new BundleDefect(where, "tar entry size does not fit in 63 bits");
            }
            v = (v << 8) | (h[i] & 0xff);
        }
        return v;
    }

    /** An octal field: optional leading spaces, at least one digit, then only NULs or spaces. */
    static long octal(byte[] h, int off, int len, String where, String field) {
        int i = off;
        int end = off + len;
        while (i < end && h[i] == ' ') {
            i++;
        }
        long v = 0;
        int digits = 0;
        for (; i < end && h[i] >= '0' && h[i] <= '7'; i++, digits++) {
            if ((v >>> 60) != 0) {
                throw new BundleDefect(where, "tar header " + field + " field overflows");
            }
            v = (v << 3) | (h[i] - '0');
        }
        if (digits == 0) {
            throw new BundleDefect(where, "tar header " + field + " field is not an octal number");
        }
        for (; i < end; i++) {
            if (h[i] != 0 && h[i] != ' ') {
                throw new BundleDefect(where, "tar header " + field + " field has a stray byte after its number");
            }
        }
        return v;
    }

    /** A NUL-terminated UTF-8 field; bytes that are not UTF-8 are refused (two readers would decode them apart). */
    static String string(byte[] h, int off, int len, String where) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return utf8(h, off, end - off, where);
    }

    static String utf8(byte[] b, int off, int len, String where) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, off, len)).toString();
        } catch (CharacterCodingException e) {
            throw new BundleDefect(where, "tar name is not UTF-8");
        }
    }
}
