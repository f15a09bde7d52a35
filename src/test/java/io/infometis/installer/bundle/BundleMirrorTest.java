package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import io.infometis.installer.Json;
import io.infometis.installer.InstallerException;
import io.infometis.installer.cli.BundleInspectCommand;
import io.infometis.installer.testing.K0sSystemImages;
import io.infometis.installer.testing.RegistryExtension;
import io.infometis.installer.testing.TestBundles;
import picocli.CommandLine;

/**
 * {@code bundle build --mirror}: k0s's images (stand-ins under {@code k0sproject/…}) and a Docker Hub image (under
 * {@code library/…}) all come from one local registry, yet the bundle names them by their canonical refs, in their
 * groups, with the registry's digests; {@code bundle inspect} shows k0s's images as their own group.
 */
class BundleMirrorTest {
    @RegisterExtension
    static final RegistryExtension REGISTRY = new RegistryExtension();

    static final String STACK_IMAGE = "docker.io/library/busybox:1.35";

    static Path work;
    static Path bundle;
    static BundleManifest built;
    static Map<String, String> digests;

    @BeforeAll
    static void pushAndBuild() throws Exception {
        work = Files.createTempDirectory("bundle-mirror");
        digests = new LinkedHashMap<>(K0sSystemImages.push(REGISTRY));
        digests.putAll(K0sSystemImages.push(REGISTRY, List.of(STACK_IMAGE))); // any tiny image will do as the stack's
        bundle = work.resolve("out/bundle.tar");
        built = new BundleBuilder().build(options(spec(work.resolve("spec"), K0sSystemImages.refs()), bundle, Set.of(REGISTRY.host()),
                mirrorFlags()), new PrintWriter(new StringWriter()), false);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor();
    }

    @Test
    void imagesFetchedFromTheMirrorCarryTheirCanonicalRefsGroupsAndDigests() throws Exception {
        Map<String, String> refToDigest = built.images().stream()
                .collect(Collectors.toMap(BundleManifest.Image::ref, BundleManifest.Image::digest, (a, b) -> a, LinkedHashMap::new));
        assertEquals(digests, refToDigest);
        List<String> k0sGroup = built.images().stream().filter(i -> i.group().equals("k0s")).map(BundleManifest.Image::ref).toList();
        assertEquals(K0sSystemImages.refs(), k0sGroup);
        assertEquals(List.of(STACK_IMAGE), built.images().stream().filter(i -> i.group().equals("stack"))
                .map(BundleManifest.Image::ref).toList());

        // index.json names every image by its canonical ref; the mirror's address appears nowhere in the bundle's metadata.
        BundleVerifier.Verified verified = new BundleVerifier(BundleLimits.DEFAULT, null).verify(bundle);
        assertEquals(built.images(), verified.manifest().images());
        Path unpacked = new BundleFile(bundle, work.resolve("state"), new io.infometis.installer.host.HostGate(false, null),
                BundleLimits.DEFAULT, null).directory();
        JsonNode index = Json.LENIENT.readTree(unpacked.resolve("images/index.json").toFile());
        List<String> names = new ArrayList<>();
        index.path("manifests").forEach(m -> names.add(m.path("annotations").path(OciLayout.REF_NAME).asText()));
        assertEquals(List.copyOf(digests.keySet()), names);
        String json = Files.readString(unpacked.resolve("bundle.json"));
        assertFalse(json.contains(REGISTRY.host()) || Files.readString(unpacked.resolve("images/index.json")).contains(REGISTRY.host()));
        assertTrue(json.contains("\"group\" : \"k0s\"") || json.contains("\"group\":\"k0s\""), json);
    }

    @Test
    void inspectShowsK0sImagesAsTheirOwnGroupWithDigests() throws Exception {
        String text = inspect(bundle.toString());
        int k0sHeader = text.indexOf("k0s images (" + K0sSystemImages.refs().size() + ", ");
        int stackHeader = text.indexOf("stack images (1, ");
        assertTrue(k0sHeader >= 0 && stackHeader > k0sHeader, text);
        for (String ref : K0sSystemImages.refs()) {
            int line = text.indexOf("  " + ref + " ");
            assertTrue(line > k0sHeader && line < stackHeader, ref + " under the k0s group:\n" + text);
            String rest = text.substring(line, text.indexOf('\n', line));
            assertTrue(rest.contains(digests.get(ref)), rest);
        }
        assertTrue(text.indexOf("  " + STACK_IMAGE + " ") > stackHeader, text);

        JsonNode json = Json.LENIENT.readTree(inspect(bundle.toString(), "--output", "json"));
        List<String> k0sInJson = new ArrayList<>();
        json.path("images").forEach(i -> {
            if (i.path("group").asText().equals("k0s")) {
                assertEquals(digests.get(i.path("ref").asText()), i.path("digest").asText());
                k0sInJson.add(i.path("ref").asText());
            }
        });
        assertEquals(K0sSystemImages.refs(), k0sInJson);
    }

    @Test
    void aPlainHttpMirrorNotNamedByInsecureRegistryIsRefused() throws Exception {
        Path out = work.resolve("out-https/b.tar");
        InstallerException e = assertThrows(InstallerException.class, () -> new BundleBuilder().build(
                options(spec(work.resolve("spec-https"), K0sSystemImages.refs()), out, Set.of(), mirrorFlags()),
                new PrintWriter(new StringWriter()), false));
        assertTrue(e.oneLine().contains("(from mirror " + REGISTRY.host() + ")") && e.oneLine().contains("TLS with " + REGISTRY.host())
                && e.oneLine().contains("--insecure-registry"), e.oneLine());
        assertEquals(List.of(), TestBundles.filesUnder(out.getParent()));
    }

    @Test
    void aK0sImageTheMirrorLacksFailsTheBuildNamingIt() throws Exception {
        // A pin naming an image nobody pushed (and a k0s binary that does not run here, so the pin is what counts).
        List<String> pin = new ArrayList<>(K0sSystemImages.refs());
        pin.add("quay.io/k0sproject/not-pushed:1.0");
        Path spec = spec(work.resolve("spec-missing"), pin);
        Files.write(spec.getParent().resolve("k0s-bin"), new byte[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 });
        Files.writeString(spec, Files.readString(spec).replaceAll("sha256: [0-9a-f]{64}",
                "sha256: " + Digests.sha256(spec.getParent().resolve("k0s-bin"))));
        Path out = work.resolve("out-missing/b.tar");
        InstallerException e = assertThrows(InstallerException.class, () -> new BundleBuilder().build(
                options(spec, out, Set.of(REGISTRY.host()), mirrorFlags()), new PrintWriter(new StringWriter()), false));
        assertTrue(e.oneLine().startsWith("fetching quay.io/k0sproject/not-pushed:1.0 (from mirror " + REGISTRY.host() + "): ")
                && e.oneLine().contains("404"), e.oneLine());
        assertEquals(List.of(), TestBundles.filesUnder(out.getParent()));
    }

    // ---------------------------------------------------------------------------------------------------------

    static List<String> mirrorFlags() {
        List<String> flags = new ArrayList<>(K0sSystemImages.mirrorFlags(REGISTRY));
        flags.add("docker.io=" + REGISTRY.host());
        return flags;
    }

    static BundleBuilder.Options options(Path spec, Path out, Set<String> insecure, List<String> mirrors) {
        return new BundleBuilder.Options(spec, out, null, List.of("linux/amd64"), insecure, work.resolve("cache"), 4,
                RegistryMirrors.parse(mirrors));
    }

    static Path spec(Path dir, List<String> k0sImages) throws Exception {
        Files.createDirectories(dir.resolve("manifests/10-demo"));
        Files.writeString(dir.resolve("manifests/10-demo/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo}\n");
        Path k0s = TestBundles.k0sStandIn(dir.resolve("k0s-bin"));
        StringBuilder yaml = new StringBuilder("name: infometis-test\nversion: 0.0.1\nk0s:\n  version: v1.33.4+k0s.0\n"
                + "  source: k0s-bin\n  sha256: " + Digests.sha256(k0s) + "\n  images:\n");
        k0sImages.forEach(r -> yaml.append("    - ").append(r).append('\n'));
        yaml.append("images:\n  - ").append(STACK_IMAGE).append("\nmanifests: manifests/\n");
        Files.writeString(dir.resolve("bundle.yaml"), yaml);
        return dir.resolve("bundle.yaml");
    }

    static String inspect(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new BundleInspectCommand());
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute(args), out.toString());
        return out.toString();
    }
}
