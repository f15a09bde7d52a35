package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.infometis.installer.Json;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.testing.TestBundles;

/**
 * Every kind of bad bundle the issue names, each refused by the safe extractor (and by verify) with exit 2,
 * a message naming the entry, and nothing written: the sandbox holding the state dir stays empty.
 */
class HostileBundlesTest {
    @TempDir
    Path tmp;
    Path good;
    KeyPair keys;
    /** Outside the sandbox: an escape would land here. */
    Path escapeTarget;

    @BeforeEach
    void goodBundle() throws IOException {
        keys = BundleSignature.generate();
        good = TestBundles.tiny(tmp.resolve("src"), keys.getPrivate());
        escapeTarget = Path.of("/tmp/infometis-escape-" + UUID.randomUUID());
    }

    @Test
    void refusesABitFlipInABlob() throws Exception {
        List<Raw> e = read(good);
        Raw layer = e.stream().filter(r -> r.name.startsWith(BundleEntries.BLOBS)).reduce((a, b) -> b.data.length > a.data.length ? b : a).get();
        layer.data[layer.data.length / 2] ^= 0x10;
        assertRefused(write(e), layer.name, "sha256 mismatch");
    }

    @Test
    void refusesATruncatedFile() throws Exception {
        byte[] all = Files.readAllBytes(good);
        Path cut = tmp.resolve("cut.tar");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 2048 - 700));
        assertRefused(cut, "", "");
    }

    @Test
    void refusesAMissingBlobEvenWhenChecksumsWereResealed() throws Exception {
        List<Raw> e = read(good);
        Raw config = configBlob(e);
        e.remove(config);
        reseal(e, keys);
        assertRefused(write(e), config.name, "missing");
    }

    @Test
    void refusesAWrongDigestInIndexJson() throws Exception {
        List<Raw> e = read(good);
        Raw index = find(e, BundleEntries.OCI_INDEX);
        String text = new String(index.data, StandardCharsets.UTF_8);
        String digest = text.replaceAll("(?s).*\"digest\":\"(sha256:[0-9a-f]{64})\".*", "$1");
        index.data = text.replace(digest, "sha256:" + "0".repeat(64)).getBytes(StandardCharsets.UTF_8);
        reseal(e, keys);
        // bundle.json still names the real digest: the two must agree before the layout is walked.
        assertRefused(write(e), BundleEntries.OCI_INDEX, "does not list " + TestBundles.TINY_REF);
    }

    @Test
    void refusesADescriptorSizeThatDisagreesWithTheBlob() throws Exception {
        List<Raw> e = read(good);
        Raw index = find(e, BundleEntries.OCI_INDEX);
        index.data = new String(index.data, StandardCharsets.UTF_8).replaceFirst("\"size\":(\\d+)", "\"size\":1")
                .getBytes(StandardCharsets.UTF_8);
        reseal(e, keys);
        assertRefused(write(e), BundleEntries.BLOBS, "declares 1");
    }

    @Test
    void refusesAChecksumMismatch() throws Exception {
        List<Raw> e = read(good);
        find(e, BundleEntries.K0S).data = "#!/bin/sh\necho evil\n".getBytes(StandardCharsets.UTF_8);
        assertRefused(write(e), BundleEntries.K0S, "sha256 mismatch");
    }

    @Test
    void refusesABadAggregate() throws Exception {
        List<Raw> e = read(good);
        Raw sums = find(e, BundleEntries.CHECKSUMS);
        sums.data = (new String(sums.data, StandardCharsets.UTF_8) + "").replaceFirst("^.", "f").getBytes(StandardCharsets.UTF_8);
        assertRefused(write(e), BundleEntries.CHECKSUMS, "aggregate");
    }

    @Test
    void refusesABadSignature() throws Exception {
        List<Raw> e = read(good);
        Raw manifest = find(e, BundleEntries.MANIFEST);
        manifest.data = new String(manifest.data, StandardCharsets.UTF_8).replace("infometis-test", "infometis-evil")
                .getBytes(StandardCharsets.UTF_8);
        assertRefused(write(e), BundleEntries.SIGNATURE, "signature");
    }

    @Test
    void refusesADotDotPath() throws Exception {
        List<Raw> e = read(good);
        e.add(3, Raw.file("images/../../../../../../.." + escapeTarget, "evil"));
        assertRefused(write(e), "..", "'..'");
    }

    @Test
    void refusesAnAbsolutePath() throws Exception {
        List<Raw> e = read(good);
        e.add(3, Raw.file(escapeTarget.toString(), "evil"));
        assertRefused(write(e), escapeTarget.toString(), "absolute");
    }

    @Test
    void refusesASymlinkEscape() throws Exception {
        List<Raw> e = read(good);
        e.add(3, Raw.link("images/escape", "../../../../../../../" + escapeTarget, TarConstants.LF_SYMLINK));
        e.add(4, Raw.file("images/escape/evil", "evil"));
        assertRefused(write(e), "images/escape", "symlink");
    }

    @Test
    void refusesAHardlinkEscape() throws Exception {
        List<Raw> e = read(good);
        e.add(3, Raw.link("images/passwd", "/etc/passwd", TarConstants.LF_LINK));
        assertRefused(write(e), "images/passwd", "hardlink");
    }

    @Test
    void refusesADeviceEntry() throws Exception {
        List<Raw> e = read(good);
        e.add(3, Raw.link("images/null", "", TarConstants.LF_CHR));
        assertRefused(write(e), "images/null", "device");
    }

    @Test
    void refusesAFifoEntry() throws Exception {
        List<Raw> e = read(good);
        e.add(3, Raw.link("images/pipe", "", TarConstants.LF_FIFO));
        assertRefused(write(e), "images/pipe", "fifo");
    }

    @Test
    void refusesAnEntryLargerThanItsHeaderSays() throws Exception {
        // Rewrite k0s/k0s's header to claim 100 bytes more (with a valid header checksum): the reader then runs
        // into the next header, and the content no longer matches.
        byte[] all = Files.readAllBytes(good);
        int off = headerOffset(all, BundleEntries.K0S);
        long size = Long.parseLong(new String(all, off + 124, 11, StandardCharsets.US_ASCII).trim(), 8);
        byte[] field = String.format("%011o", size + 100).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(field, 0, all, off + 124, 11);
        java.util.Arrays.fill(all, off + 148, off + 156, (byte) ' ');
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += all[off + i] & 0xff;
        }
        byte[] chk = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(chk, 0, all, off + 148, 8);
        Path lie = tmp.resolve("lie.tar");
        Files.write(lie, all);
        assertRefused(lie, "", "");
    }

    @Test
    void refusesATotalSizeOverTheLimit() throws Exception {
        Path state = tmp.resolve("sandbox/state");
        BundleDefect d = assertThrows(BundleDefect.class, () -> BundleExtractor.extract(good, state.resolve("bundle"),
                BundleLimits.DEFAULT.withMaxTotalBytes(1000), null));
        assertTrue(d.defect().contains("limit"), d.getMessage());
        assertEquals(List.of(), TestBundles.filesUnder(tmp.resolve("sandbox")));
    }

    @Test
    void refusesAGzipBomb() throws Exception {
        // A gzip'd bundle whose k0s entry is 100 MiB of zeros: 1000:1, stopped while it inflates.
        List<Raw> e = read(good);
        find(e, BundleEntries.K0S).data = new byte[100 << 20];
        Path plain = write(e);
        Path bomb = tmp.resolve("bomb.tar.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(bomb), 1 << 16)) {
            Files.copy(plain, out);
        }
        Files.delete(plain);
        assertTrue(Files.size(bomb) < (1 << 20));
        assertRefused(bomb, BundleEntries.K0S, "decompression bomb");
    }

    @Test
    void acceptsAnHonestGzipBundle() throws Exception {
        Path gz = tmp.resolve("ok.tar.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(good, out);
        }
        BundleVerifier verifier = new BundleVerifier(BundleLimits.DEFAULT, keys.getPublic());
        BundleVerifier.Verified plain = verifier.verify(good);
        BundleVerifier.Verified gzipped = verifier.verify(gz);
        // The same bundle, read through gzip: the same signed bundle.json, image and blobs.
        assertTrue(gzipped.signed());
        assertEquals(plain.manifestSha256(), gzipped.manifestSha256());
        assertEquals(List.of(TestBundles.TINY_REF), gzipped.manifest().images().stream().map(BundleManifest.Image::ref).toList());
        assertEquals(plain.blobSizes(), gzipped.blobSizes());
        assertEquals(plain.totalBytes(), gzipped.totalBytes());
    }

    @Test
    void refusesZstdInput() throws Exception {
        Path z = tmp.resolve("b.tar.zst");
        Files.write(z, new byte[] { 0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0, 0 });
        assertRefused(z, "(file)", "zstd");
    }

    @Test
    void refusesADuplicateEntry() throws Exception {
        List<Raw> e = read(good);
        Raw k0s = find(e, BundleEntries.K0S);
        e.add(Raw.file(k0s.name, "#!/bin/sh\necho second\n"));
        assertRefused(write(e), BundleEntries.K0S, "duplicate");
    }

    @Test
    void refusesMalformedJson() throws Exception {
        List<Raw> e = read(good);
        find(e, BundleEntries.MANIFEST).data = "{\"formatVersion\": 1, \"name\": ".getBytes(StandardCharsets.UTF_8);
        assertRefused(write(e), BundleEntries.MANIFEST, "");
    }

    @Test
    void refusesAnUnknownFormatVersion() throws Exception {
        List<Raw> e = read(good);
        Raw m = find(e, BundleEntries.MANIFEST);
        ObjectNode tree = (ObjectNode) Json.LENIENT.readTree(m.data);
        tree.put("formatVersion", 2);
        m.data = Json.MAPPER.writeValueAsBytes(tree);
        assertRefused(write(e), BundleEntries.MANIFEST, "unknown format version 2");
    }

    @Test
    void refusesAFileNotListedInChecksums() throws Exception {
        List<Raw> e = read(good);
        e.add(Raw.file("manifests/10-demo/extra.yaml", "kind: Secret\n"));
        assertRefused(write(e), "manifests/10-demo/extra.yaml", "not listed");
    }

    @Test
    void refusesABundleWhoseFirstEntryIsNotBundleJson() throws Exception {
        List<Raw> e = read(good);
        e.add(0, e.remove(2));
        assertRefused(write(e), "", "first entry");
    }

    @Test
    void refusesAKeyFileLikeDevZeroWithoutReadingItAll() {
        io.infometis.installer.InstallerException e = assertThrows(io.infometis.installer.InstallerException.class,
                () -> BundleSignature.readPublicKey(Path.of("/dev/zero")));
        assertEquals(ExitCodes.INVALID_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("key file /dev/zero is not a regular file"), e.getMessage());
    }

    // ---------------------------------------------------------------------------------------------------------

    private void assertRefused(Path bundle, String entryPart, String defectPart) throws Exception {
        Path sandbox = tmp.resolve("sandbox");
        Path state = sandbox.resolve("state");
        BundleDefect d = assertThrows(BundleDefect.class,
                () -> BundleExtractor.extract(bundle, state.resolve("bundle"), BundleLimits.DEFAULT, keys.getPublic()));
        assertEquals(ExitCodes.INVALID_INPUT, d.exitCode());
        assertTrue(d.entry().contains(entryPart), "entry: " + d.getMessage());
        assertTrue(d.defect().contains(defectPart), "defect: " + d.getMessage());
        assertFalse(d.getMessage().contains("\n"), "one line");
        assertEquals(List.of(), TestBundles.filesUnder(sandbox), "nothing written");
        assertFalse(Files.exists(state.resolve("bundle")));
        assertFalse(Files.exists(escapeTarget));
        BundleDefect again = assertThrows(BundleDefect.class,
                () -> new BundleVerifier(BundleLimits.DEFAULT, keys.getPublic()).verify(bundle));
        assertEquals(d.getMessage(), again.getMessage(), "verify and extract agree");
    }

    static final class Raw {
        final String name;
        byte[] data;
        final byte type;
        final String link;
        final int mode;
        /** Extra pax records commons-compress writes before this entry's header. */
        final Map<String, String> pax = new LinkedHashMap<>();

        Raw(String name, byte[] data, byte type, String link, int mode) {
            this.name = name;
            this.data = data;
            this.type = type;
            this.link = link;
            this.mode = mode;
        }

        static Raw file(String name, String content) {
            return new Raw(name, content.getBytes(StandardCharsets.UTF_8), TarConstants.LF_NORMAL, null, 0644);
        }

        static Raw link(String name, String target, byte type) {
            return new Raw(name, new byte[0], type, target, 0644);
        }
    }

    static List<Raw> read(Path bundle) throws IOException {
        List<Raw> out = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(bundle))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null;) {
                out.add(new Raw(e.getName(), tar.readAllBytes(), e.getLinkFlag(), e.getLinkName(), e.getMode()));
            }
        }
        return out;
    }

    Path write(List<Raw> entries) throws IOException {
        return writeTo(Files.createTempFile(tmp, "hostile", ".tar"), entries);
    }

    static Path writeTo(Path out, List<Raw> entries) throws IOException {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(out))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Raw r : entries) {
                TarArchiveEntry e = new TarArchiveEntry(r.name, r.type, true);
                e.setMode(r.mode);
                // Whole seconds, as the builder writes: commons-compress adds a pax mtime record for a finer time,
                // and the reader refuses pax records the builder never writes.
                e.setModTime(TestBundles.CREATED.toEpochMilli());
                if (r.link != null) {
                    e.setLinkName(r.link);
                }
                r.pax.forEach(e::addPaxHeader);
                e.setSize(r.type == TarConstants.LF_NORMAL ? r.data.length : 0);
                tar.putArchiveEntry(e);
                if (r.type == TarConstants.LF_NORMAL) {
                    tar.write(r.data);
                }
                tar.closeArchiveEntry();
            }
        }
        return out;
    }

    /**
     * Rewrites checksums.txt, bundle.json's aggregate and the signature, as a builder bug (or a forger holding the
     * key) would: only the OCI layout check can catch what remains.
     */
    static void reseal(List<Raw> entries, KeyPair keys) throws IOException {
        Map<String, String> sums = new LinkedHashMap<>();
        for (Raw r : entries) {
            if (!r.name.equals(BundleEntries.MANIFEST) && !r.name.equals(BundleEntries.SIGNATURE)
                    && !r.name.equals(BundleEntries.CHECKSUMS)) {
                sums.put(r.name, Digests.sha256(r.data));
            }
        }
        Raw checksums = find(entries, BundleEntries.CHECKSUMS);
        checksums.data = Checksums.of(sums).toBytes();
        Raw m = find(entries, BundleEntries.MANIFEST);
        ObjectNode tree = (ObjectNode) Json.LENIENT.readTree(m.data);
        tree.put("checksumsSha256", Digests.sha256(checksums.data));
        m.data = Json.MAPPER.writeValueAsBytes(tree);
        find(entries, BundleEntries.SIGNATURE).data = BundleSignature.sign(m.data, keys.getPrivate());
    }

    static Raw find(List<Raw> entries, String name) {
        return entries.stream().filter(r -> r.name.equals(name)).findFirst().orElseThrow();
    }

    static Raw configBlob(List<Raw> entries) {
        return entries.stream().filter(r -> r.name.startsWith(BundleEntries.BLOBS)
                && new String(r.data, StandardCharsets.ISO_8859_1).contains("\"diff_ids\"")).findFirst().orElseThrow();
    }

    static int headerOffset(byte[] tar, String name) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        for (int off = 0; off + 512 <= tar.length; off += 512) {
            boolean match = tar[off + n.length] == 0;
            for (int i = 0; i < n.length && match; i++) {
                match = tar[off + i] == n[i];
            }
            if (match) {
                return off;
            }
        }
        throw new AssertionError(name + " header not found");
    }

    static byte[] bytes(Consumer<ByteArrayOutputStream> c) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        c.accept(bos);
        return bos.toByteArray();
    }
}
