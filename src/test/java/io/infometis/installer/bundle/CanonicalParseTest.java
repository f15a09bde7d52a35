package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;

/**
 * One canonical parse (issue 12, class 2): bytes two JSON readers could read as two different bundle.json files are
 * refused — duplicate keys, trailing content, a BOM, other encodings, wrong types, unknown keys — and the spec is
 * held to the same rules.
 */
class CanonicalParseTest {
    @TempDir
    static Path tmp;
    static Forge forge;

    @BeforeAll
    static void forge() throws Exception {
        forge = new Forge(tmp);
    }

    static Forge.Case text(String name, java.util.function.UnaryOperator<String> edit, String defect) {
        return new Forge.Case(name, f -> f.manifestText(edit), BundleEntries.MANIFEST, defect);
    }

    static List<Forge.Case> cases() {
        return List.of(
                text("duplicate key, last one wins elsewhere", s -> s.replaceFirst("\\{", "{\"name\":\"evil\","), "Duplicate field 'name'"),
                text("trailing content", s -> s + "{\"name\":\"evil\"}", "malformed JSON"),
                text("trailing garbage", s -> s + " x", "malformed JSON"),
                text("format version as a string", s -> s.replaceFirst("\"formatVersion\" ?: ?1", "\"formatVersion\":\"1\""),
                        "unknown format version \"1\""),
                text("format version 1.9", s -> s.replaceFirst("\"formatVersion\" ?: ?1", "\"formatVersion\":1.9"), "unknown format version 1.9"),
                text("format version 1.0", s -> s.replaceFirst("\"formatVersion\" ?: ?1", "\"formatVersion\":1.0"), "unknown format version 1.0"),
                text("unknown key", s -> s.replaceFirst("\\{", "{\"extra\":true,"), "has the unknown key 'extra'"),
                text("key differing in case", s -> s.replaceFirst("\\{", "{\"Name\":\"evil\","), "has the unknown key 'Name'"),
                text("comment", s -> s.replaceFirst("\\{", "{/* hi */"), "malformed JSON"),
                text("not an object", s -> "[" + s + "]", "not a JSON object"),
                new Forge.Case("byte-order mark", f -> f.manifestBytes(b -> concat(new byte[] { (byte) 0xef, (byte) 0xbb, (byte) 0xbf }, b)),
                        BundleEntries.MANIFEST, "byte-order mark"),
                new Forge.Case("UTF-16", f -> f.manifestBytes(b -> new String(b, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_16LE)),
                        BundleEntries.MANIFEST, "NUL byte"),
                new Forge.Case("invalid UTF-8", f -> f.manifestBytes(b -> new String(b, StandardCharsets.UTF_8).replace("infometis-test", "inf\u00e9")
                        .getBytes(StandardCharsets.ISO_8859_1)), BundleEntries.MANIFEST, "not valid UTF-8"),
                new Forge.Case("duplicate key in index.json", f -> f.resealed(e -> {
                    HostileBundlesTest.Raw index = HostileBundlesTest.find(e, BundleEntries.OCI_INDEX);
                    index.data = new String(index.data, StandardCharsets.UTF_8).replaceFirst("\\{", "{\"schemaVersion\":3,")
                            .getBytes(StandardCharsets.UTF_8);
                }), BundleEntries.OCI_INDEX, "Duplicate field 'schemaVersion'"),
                new Forge.Case("keys differing only in case in index.json", f -> f.resealed(e -> {
                    HostileBundlesTest.Raw index = HostileBundlesTest.find(e, BundleEntries.OCI_INDEX);
                    index.data = new String(index.data, StandardCharsets.UTF_8).replaceFirst("\"digest\":", "\"Digest\":\"sha256:" + "0".repeat(64)
                            + "\",\"digest\":").getBytes(StandardCharsets.UTF_8);
                }), BundleEntries.OCI_INDEX, "differ only in case"));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refuses(Forge.Case c) throws Exception {
        forge.assertRefused(c);
    }

    // --- the spec: bundle/bundle.yaml --------------------------------------------------------------------------

    static final String SPEC = """
            name: infometis
            version: 0.5.0
            k0s: {version: v1.33.4+k0s.0, source: k0s, sha256: SHA256_OF_K0S_BINARY, images: [quay.io/k0sproject/pause:3.10]}
            images: [docker.io/library/busybox:1.35]
            components: [{name: demo, order: 10, manifests: [manifests/10-demo/a.yaml]}]
            volumes:
              - {component: demo, name: data, size: 1Gi, uid: 1000, gid: 1000, mode: "0750", claim: demo-data}
            """;

    static String specRefused(String yaml) throws Exception {
        Path spec = Files.writeString(Files.createTempFile(tmp, "spec", ".yaml"), yaml);
        InstallerException e = assertThrows(InstallerException.class, () -> BundleSpec.read(spec));
        assertEquals(ExitCodes.INVALID_INPUT, e.exitCode());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void readsAValidSpecWithK0sImages() throws Exception {
        Path spec = Files.writeString(tmp.resolve("ok.yaml"), SPEC);
        BundleSpec s = BundleSpec.read(spec);
        assertEquals("demo-data", s.volumes().get(0).claim());
        assertEquals(List.of("docker.io/library/busybox:1.35"), s.images());
    }

    @Test
    void readsTheRepositorySpec() {
        BundleSpec s = BundleSpec.read(Path.of("bundle/bundle.yaml"));
        assertTrue(s.images().size() > 5 && s.components().size() > 5, s.toString());
    }

    @Test
    void refusesAnUnquotedModeWhichYamlReadsAsANumber() throws Exception {
        assertTrue(specRefused(SPEC.replace("mode: \"0750\"", "mode: 0750")).contains("volumes[0].mode is a number, not a string (quote it)"));
    }

    @Test
    void refusesADuplicateKeyInTheSpec() throws Exception {
        assertTrue(specRefused(SPEC + "name: evil\n").contains("Duplicate field 'name'"));
    }

    @Test
    void refusesAnUnknownKeyInTheSpec() throws Exception {
        assertTrue(specRefused(SPEC + "extra: 1\n").contains("has the unknown key 'extra'"));
    }

    @Test
    void refusesAHostileVolumeInTheSpec() throws Exception {
        assertTrue(specRefused(SPEC.replace("name: data", "name: ../../etc")).contains("volumes[0].name '../../etc' is not a DNS-1123 label"));
    }

    @Test
    void refusesADuplicateK0sImage() throws Exception {
        assertTrue(specRefused(SPEC.replace("images: [quay.io/k0sproject/pause:3.10]",
                "images: [quay.io/k0sproject/pause:3.10, quay.io/k0sproject/pause:3.10]")).contains("k0s.images[1] 'quay.io/k0sproject/pause:3.10' appears twice"));
    }

    @Test
    void refusesATextFileAsSpec() throws Exception {
        assertTrue(specRefused("just some text\nnot a spec\n").contains("is not a YAML mapping"));
    }

    @Test
    void refusesAHugeSpecWithoutReadingItAll() throws Exception {
        assertTrue(specRefused("#" + "x".repeat(2 << 20)).contains("more than 1048576"));
    }
}
