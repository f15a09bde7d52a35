package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.Json;
import io.infometis.installer.bundle.HostileBundlesTest.Raw;
import io.infometis.installer.testing.TestBundles;

/**
 * Forges hostile bundles from a small valid one ({@link TestBundles#tiny}), resealing checksums.txt, the aggregate
 * and the signature the way a builder bug or a forger holding the key would, so only the check under test can
 * catch what remains. Shared by the per-class hostile tests, the CLI sweep and the fuzzer.
 */
final class Forge {
    /** One hostile bundle: how to make it, and the refusal expected (parts of the entry and of the defect). */
    record Case(String name, Make make, String entry, String defect) {
        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    interface Make {
        Path from(Forge f) throws Exception;
    }

    @FunctionalInterface
    interface Edit {
        void apply(List<Raw> entries) throws Exception;
    }

    final Path dir;
    final KeyPair keys;
    final Path good;
    private int count;

    Forge(Path dir) throws IOException {
        this.dir = dir;
        this.keys = BundleSignature.generate();
        this.good = TestBundles.tiny(dir.resolve("src"), keys.getPrivate());
    }

    List<Raw> entries() throws IOException {
        return HostileBundlesTest.read(good);
    }

    /** Edits the entries, reseals checksums, aggregate and signature, and writes a new bundle. */
    Path resealed(Edit edit) throws Exception {
        List<Raw> e = entries();
        edit.apply(e);
        HostileBundlesTest.reseal(e, keys);
        return write(e);
    }

    /** Edits bundle.json as a tree (then reseals). */
    Path manifest(java.util.function.Consumer<ObjectNode> edit) throws Exception {
        return resealed(e -> {
            Raw m = HostileBundlesTest.find(e, BundleEntries.MANIFEST);
            ObjectNode tree = (ObjectNode) Json.LENIENT.readTree(m.data);
            edit.accept(tree);
            m.data = Json.MAPPER.writeValueAsBytes(tree);
        });
    }

    /** Edits bundle.json's bytes as text and re-signs them; the rest is unchanged, so the aggregate still holds. */
    Path manifestText(UnaryOperator<String> edit) throws Exception {
        return manifestBytes(b -> edit.apply(new String(b, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
    }

    Path manifestBytes(UnaryOperator<byte[]> edit) throws Exception {
        List<Raw> e = entries();
        Raw m = HostileBundlesTest.find(e, BundleEntries.MANIFEST);
        m.data = edit.apply(m.data);
        HostileBundlesTest.find(e, BundleEntries.SIGNATURE).data = BundleSignature.sign(m.data, keys.getPrivate());
        return write(e);
    }

    /** Edits the bundle file's bytes. */
    Path bytes(UnaryOperator<byte[]> edit) throws IOException {
        Path out = dir.resolve("forged-" + (++count) + ".tar");
        Files.write(out, edit.apply(Files.readAllBytes(good)));
        return out;
    }

    Path write(List<Raw> entries) throws IOException {
        Path out = dir.resolve("forged-" + (++count) + ".tar");
        HostileBundlesTest.writeTo(out, entries);
        return out;
    }

    /** Adds a blob after images/index.json; returns its digest. */
    static String addBlob(List<Raw> entries, byte[] content) {
        String hex = Digests.sha256(content);
        String name = BundleEntries.blob(hex);
        if (entries.stream().noneMatch(r -> r.name.equals(name))) {
            int at = entries.indexOf(HostileBundlesTest.find(entries, BundleEntries.OCI_INDEX)) + 1;
            entries.add(at, new Raw(name, content, org.apache.commons.compress.archivers.tar.TarConstants.LF_NORMAL, null, 0644));
        }
        return "sha256:" + hex;
    }

    static ObjectNode json(byte[] bytes) throws IOException {
        return (ObjectNode) Json.LENIENT.readTree(bytes);
    }

    static byte[] bytes(Object tree) throws IOException {
        return Json.MAPPER.writeValueAsBytes(tree);
    }

    /**
     * Refused by the extractor with exit 2, one line, the expected entry and defect, nothing written in the sandbox;
     * and verify gives the same message.
     */
    void assertRefused(Path bundle, String entryPart, String defectPart) throws Exception {
        Path sandbox = Files.createDirectories(dir.resolve("sandbox-" + (++count)));
        Path state = sandbox.resolve("state");
        BundleDefect d = assertThrows(BundleDefect.class,
                () -> BundleExtractor.extract(bundle, state.resolve("bundle"), BundleLimits.DEFAULT, keys.getPublic()));
        assertEquals(ExitCodes.INVALID_INPUT, d.exitCode());
        assertTrue(d.entry().contains(entryPart), "entry: " + d.getMessage());
        assertTrue(d.defect().contains(defectPart), "defect: " + d.getMessage());
        assertFalse(d.getMessage().contains("\n") || d.getMessage().contains("\r"), "one line: " + d.getMessage());
        assertEquals(List.of(), TestBundles.filesUnder(sandbox), "nothing written");
        BundleDefect again = assertThrows(BundleDefect.class,
                () -> new BundleVerifier(BundleLimits.DEFAULT, keys.getPublic()).verify(bundle));
        assertEquals(d.getMessage(), again.getMessage(), "verify and extract agree");
    }

    void assertRefused(Case c) throws Exception {
        assertRefused(c.make().from(this), c.entry(), c.defect());
    }

    /** Verifies good, with the key. */
    BundleVerifier.Verified assertGood(Path bundle) throws IOException {
        return new BundleVerifier(BundleLimits.DEFAULT, keys.getPublic()).verify(bundle);
    }
}
