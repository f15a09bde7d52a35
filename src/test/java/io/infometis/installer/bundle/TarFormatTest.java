package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.infometis.installer.testing.TestBundles;

/**
 * The tar and gzip framing, read one way (issue 12, class 2): header checksums (unsigned only), nothing after the
 * end-of-archive marker but zeros, no extension the builder never writes, sizes without overflow, exactly one
 * gzip member. tar and the installer cannot disagree about the contents.
 */
class TarFormatTest {
    @TempDir
    static Path tmp;
    static Forge forge;

    @BeforeAll
    static void forge() throws Exception {
        forge = new Forge(tmp);
    }

    static Forge.Case bytes(String name, java.util.function.UnaryOperator<byte[]> edit, String entry, String defect) {
        return new Forge.Case(name, f -> f.bytes(edit), entry, defect);
    }

    static Forge.Case entries(String name, Forge.Edit edit, String entry, String defect) {
        return new Forge.Case(name, f -> {
            List<HostileBundlesTest.Raw> e = f.entries();
            edit.apply(e);
            return f.write(e);
        }, entry, defect);
    }

    static Forge.Case gzip(String name, java.util.function.UnaryOperator<byte[]> edit, String defect) {
        return new Forge.Case(name, f -> {
            Path out = f.dir.resolve("gz-" + name.hashCode() + ".tar.gz");
            Files.write(out, edit.apply(gz(Files.readAllBytes(f.good))));
            return out;
        }, "(gzip stream)", defect);
    }

    static List<Forge.Case> cases() {
        return List.of(
                bytes("header checksum wrong", b -> at(b, BundleEntries.K0S, 136 + 3, (byte) (b[headerOf(b, BundleEntries.K0S) + 139] ^ 1), false),
                        "after", "tar header checksum"),
                bytes("historic signed checksum", TarFormatTest::signedChecksum, "after", "tar header checksum"),
                bytes("ustar prefix field used", b -> at(b, BundleEntries.K0S, 345, (byte) 'x', true), "after", "prefix field"),
                bytes("size field not octal", b -> {
                    int h = headerOf(b, BundleEntries.K0S);
                    System.arraycopy("abcdefghijk".getBytes(StandardCharsets.US_ASCII), 0, b, h + 124, 11);
                    return fix(b, h);
                }, "after", "size field is not an octal number"),
                bytes("entry of size 2^63-1 (base-256)", b -> {
                    int h = headerOf(b, BundleEntries.K0S);
                    byte[] field = new byte[12];
                    field[0] = (byte) 0x80;
                    for (int i = 0; i < 8; i++) {
                        field[4 + i] = (byte) (Long.MAX_VALUE >>> (56 - 8 * i));
                    }
                    System.arraycopy(field, 0, b, h + 124, 12);
                    return fix(b, h);
                }, BundleEntries.K0S, "bundle larger than the limit"),
                bytes("data after the end-of-archive marker", b -> concat(b, "junk".getBytes(StandardCharsets.US_ASCII)),
                        "(end of archive)", "data after the end-of-archive marker"),
                bytes("a second archive after the end marker", b -> concat(b, Arrays.copyOf(b, 4096)), "(end of archive)",
                        "data after the end-of-archive marker"),
                bytes("no end-of-archive marker", b -> Arrays.copyOf(b, endOf(b)), "after", "without its end-of-archive marker"),
                bytes("half an end-of-archive marker", b -> Arrays.copyOf(b, endOf(b) + 512), "(end of archive)", "one zero block"),
                entries("unexpected pax record", e -> HostileBundlesTest.find(e, BundleEntries.K0S).pax.put("comment", "hello"),
                        "after", "pax record 'comment'"),
                entries("GNU long-name entry", e -> e.add(3, HostileBundlesTest.Raw.link("././@LongLink", "", TarConstants.LF_GNUTYPE_LONGNAME)),
                        "after", "not a POSIX ustar header"),
                bytes("global pax header", b -> at(b, BundleEntries.K0S, 156, TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER, true),
                        BundleEntries.K0S, "global pax"),
                bytes("sparse entry", b -> at(b, BundleEntries.K0S, 156, TarConstants.LF_GNUTYPE_SPARSE, true), BundleEntries.K0S, "sparse"),
                entries("entry name with a newline", e -> e.add(3, HostileBundlesTest.Raw.file("images/a\nb", "x")), "images/a", "not listed"),
                gzip("corrupt gzip header", g -> at(g, 2, (byte) 7), "compression method 7"),
                gzip("reserved gzip flags", g -> at(g, 3, (byte) 0x80), "reserved flags"),
                gzip("gzip trailer CRC wrong", g -> at(g, g.length - 8, (byte) (g[g.length - 8] ^ 1)), "CRC-32"),
                gzip("truncated gzip", g -> Arrays.copyOf(g, g.length - 100), "truncated"),
                gzip("junk after the gzip member", g -> concat(g, "junk".getBytes(StandardCharsets.US_ASCII)), "data after the gzip stream"),
                gzip("a second gzip member", g -> concat(g, gz(new byte[1024])), "data after the gzip stream"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refuses(Forge.Case c) throws Exception {
        forge.assertRefused(c);
    }

    @Test
    void acceptsZeroPaddingAfterTheEndMarker() throws Exception {
        Path padded = forge.bytes(b -> concat(b, new byte[20 * 512]));
        assertEquals(forge.assertGood(forge.good).manifestSha256(), forge.assertGood(padded).manifestSha256());
    }

    /** The debt: an honest gzip'd bundle verifies, and unpacks to exactly the files of the plain tar. */
    @Test
    void anHonestGzipBundleVerifiesAndUnpacksToTheSameFilesAsThePlainTar() throws Exception {
        Path gz = tmp.resolve("honest.tar.gz");
        Files.write(gz, gz(Files.readAllBytes(forge.good)));
        BundleVerifier.Verified plain = forge.assertGood(forge.good);
        BundleVerifier.Verified zipped = forge.assertGood(gz);
        assertEquals(plain.manifestSha256(), zipped.manifestSha256());
        assertEquals(plain.blobSizes(), zipped.blobSizes());
        assertEquals(plain.totalBytes(), zipped.totalBytes());

        Path a = tmp.resolve("unpacked-plain/bundle");
        Path b = tmp.resolve("unpacked-gz/bundle");
        BundleExtractor.extract(forge.good, a, BundleLimits.DEFAULT, forge.keys.getPublic());
        BundleExtractor.extract(gz, b, BundleLimits.DEFAULT, forge.keys.getPublic());
        List<String> files = TestBundles.filesUnder(a);
        assertEquals(files, TestBundles.filesUnder(b));
        assertEquals(true, files.contains(BundleEntries.K0S) && files.contains(BundleEntries.OCI_INDEX), files.toString());
        for (String f : files) {
            assertEquals(Arrays.toString(Files.readAllBytes(a.resolve(f))).hashCode(),
                    Arrays.toString(Files.readAllBytes(b.resolve(f))).hashCode(), f);
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    static byte[] gz(byte[] b) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bos)) {
            out.write(b);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    static byte[] concat(byte[] a, byte[] b) {
        return CanonicalParseTest.concat(a, b);
    }

    static byte[] at(byte[] b, int off, byte v) {
        b[off] = v;
        return b;
    }

    static int headerOf(byte[] b, String name) {
        return HostileBundlesTest.headerOffset(b, name);
    }

    /** Sets one byte of an entry's header, re-computing the checksum when {@code fix}. */
    static byte[] at(byte[] b, String entry, int field, byte v, boolean fix) {
        int h = headerOf(b, entry);
        b[h + field] = v;
        return fix ? fix(b, h) : b;
    }

    /** The POSIX (unsigned) header checksum, written as the builder writes it. */
    static byte[] fix(byte[] b, int h) {
        Arrays.fill(b, h + 148, h + 156, (byte) ' ');
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += b[h + i] & 0xff;
        }
        System.arraycopy(String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII), 0, b, h + 148, 8);
        return b;
    }

    /** A byte over 0x7f in the uname field, and the checksum an old Sun tar computed: the signed sum. */
    static byte[] signedChecksum(byte[] b) {
        int h = headerOf(b, BundleEntries.K0S);
        b[h + 265] = (byte) 0xe9;
        Arrays.fill(b, h + 148, h + 156, (byte) ' ');
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += b[h + i]; // signed
        }
        System.arraycopy(String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII), 0, b, h + 148, 8);
        return b;
    }

    /** Offset of the end-of-archive marker: walks the headers by their sizes. */
    static int endOf(byte[] b) {
        int off = 0;
        while (!TarHeader.isZero(Arrays.copyOfRange(b, off, off + 512))) {
            long size = Long.parseLong(new String(b, off + 124, 11, StandardCharsets.US_ASCII).trim(), 8);
            off += 512 + (int) ((size + 511) / 512 * 512);
        }
        return off;
    }
}
