package io.infometis.installer.cli;

import io.infometis.installer.ExitCodes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.infometis.installer.Json;
import io.infometis.installer.bundle.BundleSignature;
import io.infometis.installer.testing.TestBundles;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;

/** The real entry point: {@code infometis bundle verify|inspect|keygen|build}, their output and exit codes. */
@QuarkusMainTest
class BundleCommandTest {
    @TempDir
    Path tmp;

    @Test
    void verifyExits0ForAGoodSignedBundleAnd2WithOneLineForACorruptOne(QuarkusMainLauncher launcher) throws Exception {
        LaunchResult keygen = launcher.launch("bundle", "keygen", "--out", tmp.resolve("k").toString());
        assertEquals(0, keygen.exitCode(), keygen.getErrorOutput());
        var key = BundleSignature.readPrivateKey(tmp.resolve("k.key"));
        Path bundle = TestBundles.tiny(tmp.resolve("b"), key);

        LaunchResult good = launcher.launch("bundle", "verify", bundle.toString(), "--public-key", tmp.resolve("k.pub").toString());
        assertEquals(0, good.exitCode(), good.getErrorOutput());
        assertTrue(good.getOutput().contains("good") && good.getOutput().contains("signature good"), good.getOutput());

        byte[] bytes = Files.readAllBytes(bundle);
        int at = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("kind: ConfigMap");
        try (FileChannel ch = FileChannel.open(bundle, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] { 'X' }), at);
        }
        LaunchResult bad = launcher.launch("bundle", "verify", bundle.toString());
        assertEquals(ExitCodes.INVALID_INPUT, bad.exitCode());
        String err = bad.getErrorOutput().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("ERROR: bundle entry ") && err.contains("sha256 mismatch"), err);
    }

    @Test
    void installRefusesACorruptBundleWithExit2AndLeavesTheRootUntouched(QuarkusMainLauncher launcher) throws Exception {
        Path bundle = TestBundles.tiny(tmp.resolve("b"));
        byte[] bytes = Files.readAllBytes(bundle);
        int at = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("kind: ConfigMap");
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path corrupt = tmp.resolve("corrupt.tar");
        Files.write(corrupt, bytes);
        try (FileChannel ch = FileChannel.open(corrupt, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] { 'X' }), at);
        }
        LaunchResult r = launcher.launch("install", "--bundle", corrupt.toString(), "--root", root.toString(),
                "--api-port", "0", "--linger", "0");
        assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), r.getOutput() + r.getErrorOutput());
        assertTrue(r.getErrorOutput().contains("bundle entry manifests/10-demo/configmap.yaml: sha256 mismatch"), r.getErrorOutput());
        assertTrue(TestBundles.filesUnder(root).stream().noneMatch(f -> f.contains("bundle/") || f.startsWith("usr")
                || f.endsWith("preflight.json")), TestBundles.filesUnder(root).toString());
    }

    @Test
    void installWithAPublicKeyRefusesAnUnsignedOrOtherwiseSignedBundleWithExit2AndLeavesTheRootUntouched(
            QuarkusMainLauncher launcher) throws Exception {
        assertEquals(0, launcher.launch("bundle", "keygen", "--out", tmp.resolve("k").toString()).exitCode());
        assertEquals(0, launcher.launch("bundle", "keygen", "--out", tmp.resolve("other").toString()).exitCode());
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path unsigned = TestBundles.tiny(tmp.resolve("unsigned"));
        Path otherKeys = TestBundles.tiny(tmp.resolve("o"), BundleSignature.readPrivateKey(tmp.resolve("other.key")));
        for (Path bundle : List.of(unsigned, otherKeys)) {
            LaunchResult r = launcher.launch("install", "--bundle", bundle.toString(), "--public-key",
                    tmp.resolve("k.pub").toString(), "--root", root.toString(), "--api-port", "0", "--linger", "0");
            assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), r.getOutput() + r.getErrorOutput());
            String err = r.getErrorOutput().strip();
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.startsWith("ERROR: bundle entry bundle.json.sig: "), err);
            assertEquals(List.of("run/infometis/install.lock"), TestBundles.filesUnder(root), "only the lock");
        }
    }

    @Test
    void installWithThePublicKeyOfTheBundlesSignerPassesPreflight(QuarkusMainLauncher launcher) throws Exception {
        assertEquals(0, launcher.launch("bundle", "keygen", "--out", tmp.resolve("k").toString()).exitCode());
        Path bundle = TestBundles.tiny(tmp.resolve("b"), BundleSignature.readPrivateKey(tmp.resolve("k.key")));
        Path root = Files.createDirectories(tmp.resolve("root"));
        LaunchResult r = launcher.launch("install", "--bundle", bundle.toString(), "--public-key",
                tmp.resolve("k.pub").toString(), "--root", root.toString(), "--until", "preflight",
                "--ignore-preflight", "ports", "--api-port", "0", "--linger", "0");
        assertEquals(0, r.exitCode(), r.getOutput() + r.getErrorOutput());
        assertTrue(r.getOutput().contains("bundle succeeded: infometis-test 0.0.1"), r.getOutput());
        assertTrue(Files.isRegularFile(root.resolve("var/lib/infometis/preflight.json")));
    }

    @Test
    void inspectPrintsImagesK0sAndComponentsAsJson(QuarkusMainLauncher launcher) throws Exception {
        Path bundle = TestBundles.tiny(tmp);
        LaunchResult r = launcher.launch("bundle", "inspect", bundle.toString(), "--output", "json");
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        JsonNode json = Json.LENIENT.readTree(r.getOutput());
        assertEquals(TestBundles.TINY_REF, json.path("images").get(0).path("ref").asText());
        assertTrue(json.path("images").get(0).path("digest").asText().startsWith("sha256:"));
        assertTrue(json.path("images").get(0).path("size").asLong() > 0);
        assertEquals("v1.33.4+k0s.0", json.path("k0s").path("version").asText());
        assertEquals("demo", json.path("components").get(0).path("name").asText());
        LaunchResult text = launcher.launch("bundle", "inspect", bundle.toString());
        assertTrue(text.getOutput().contains(TestBundles.TINY_REF) && text.getOutput().contains("deduplication saved"), text.getOutput());
    }

    @Test
    void buildRefusesTheRepositorysPlaceholderSha256(QuarkusMainLauncher launcher) {
        LaunchResult r = launcher.launch("bundle", "build", "--spec", "bundle/bundle.yaml", "--out", tmp.resolve("x.tar").toString(),
                "--cache-dir", tmp.resolve("cache").toString());
        assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), r.getOutput());
        assertTrue(r.getErrorOutput().contains("SHA256_OF_K0S_BINARY") && r.getErrorOutput().contains("sha256sums"), r.getErrorOutput());
        assertEquals(1, r.getErrorOutput().strip().lines().count());
    }

    @Test
    void buildRefusesAMalformedMirrorWithExit2AndOneLine(QuarkusMainLauncher launcher) {
        for (String bad : List.of("quay.io", "quay.io=", "=mirror:5000", "https://quay.io=mirror:5000", "quay.io=mirror:5000/k0s",
                "quay.io=mirror:0", "quay.io=mirror:70000", "quay.io=mir ror", "quay.io=-mirror", "quay.io=[::1]:5000")) {
            LaunchResult r = launcher.launch("bundle", "build", "--spec", "bundle/bundle.yaml", "--out", tmp.resolve("x.tar").toString(),
                    "--cache-dir", tmp.resolve("cache").toString(), "--mirror", "docker.io=127.0.0.1:5000", "--mirror", bad);
            assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), bad + ": " + r.getErrorOutput());
            String err = r.getErrorOutput().strip();
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.startsWith("ERROR: --mirror '" + bad + "' is not REGISTRY=MIRROR") && err.contains("host[:port]"), err);
        }
        LaunchResult twice = launcher.launch("bundle", "build", "--spec", "bundle/bundle.yaml", "--out", tmp.resolve("x.tar").toString(),
                "--mirror", "quay.io=a.example:5000", "--mirror", "quay.io=b.example:5000");
        assertEquals(ExitCodes.INVALID_INPUT, twice.exitCode());
        assertTrue(twice.getErrorOutput().contains("two mirrors for quay.io"), twice.getErrorOutput());
        assertFalse(Files.exists(tmp.resolve("x.tar")));
    }
}
