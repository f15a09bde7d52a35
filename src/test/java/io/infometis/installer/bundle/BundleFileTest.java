package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.util.List;

import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.testing.TestBundles;

class BundleFileTest {
    @TempDir
    Path tmp;

    @Test
    void writesBundleJsonAsTheFirstEntryAndVerifiesClean() throws Exception {
        Path bundle = TestBundles.tiny(tmp);
        try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(bundle))) {
            assertEquals("bundle.json", tar.getNextEntry().getName());
            assertEquals("checksums.txt", tar.getNextEntry().getName());
        }
        BundleVerifier.Verified v = new BundleVerifier(BundleLimits.DEFAULT, null).verify(bundle);
        assertEquals(TestBundles.TINY_REF, v.manifest().images().get(0).ref());
        assertEquals("demo", v.manifest().components().get(0).name());
        assertEquals(List.of("manifests/10-demo/configmap.yaml"), v.manifest().components().get(0).manifests());
    }

    @Test
    void writesLongNamesThatGnuTarAndTheReaderBothRead() throws Exception {
        String longName = "manifests/10-demo/" + "x".repeat(120) + ".yaml";
        Path src = Files.writeString(tmp.resolve("long.yaml"), "kind: ConfigMap\n");
        Path out = tmp.resolve("long.tar");
        new BundleWriter().addFile(longName, src, 0644).write(out, new BundleManifest(1, "n", "1", null, "linux/amd64",
                new BundleManifest.K0s("v", "k0s/k0s", "a".repeat(64)), null, null, null, null), null);
        Process tar = new ProcessBuilder("tar", "-tf", out.toString()).redirectErrorStream(true).start();
        String listing = new String(tar.getInputStream().readAllBytes());
        assertEquals(0, tar.waitFor(), listing);
        assertEquals(List.of("bundle.json", "checksums.txt", longName), listing.lines().toList());
        try (BundleReader r = new BundleReader(out, BundleLimits.DEFAULT)) {
            r.next();
            r.next();
            assertEquals(longName, r.next().name());
        }
    }

    @Test
    void readsTheManifestFromTheFirstEntryOnly() throws Exception {
        Path bundle = TestBundles.tiny(tmp);
        BundleFile file = new BundleFile(bundle, tmp.resolve("state"), new HostGate(false, null));
        assertEquals("infometis-test", file.manifest().name());
        assertTrue(file.digest().startsWith("sha256:"));
        assertTrue(file.hasFiles());
    }

    @Test
    void unpacksOnceIntoTheStateDirAndSkipsTheSecondTime() throws Exception {
        Path bundle = TestBundles.tiny(tmp);
        Path state = tmp.resolve("state");
        BundleFile file = new BundleFile(bundle, state, new HostGate(false, null));
        assertFalse(file.unpackedAndVerifiedByThisProcess());
        Path dir = file.directory();
        assertEquals(state.resolve("bundle"), dir);
        assertTrue(file.unpackedAndVerifiedByThisProcess(), "every file was checked as this instance wrote it");
        for (String f : List.of("bundle.json", "checksums.txt", "images/oci-layout", "images/index.json", "k0s/k0s",
                "manifests/10-demo/configmap.yaml")) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        assertTrue(Files.isExecutable(dir.resolve("k0s/k0s")));
        assertEquals(file.digest(), BundleExtractor.unpackedDigest(dir));
        FileTime before = Files.getLastModifiedTime(dir.resolve(BundleExtractor.MARKER));
        HostGate second = new HostGate(false, null);
        BundleFile resumed = new BundleFile(bundle, state, second);
        resumed.directory();
        assertFalse(resumed.unpackedAndVerifiedByThisProcess(), "an earlier run's directory may have changed since");
        assertEquals(before, Files.getLastModifiedTime(dir.resolve(BundleExtractor.MARKER)));
        assertTrue(second.plan().isEmpty(), "already unpacked: nothing to do");
        assertEquals(List.of("bundle"), Files.list(state).map(p -> p.getFileName().toString()).toList(),
                "no temp dir left behind");
    }

    @Test
    void replacesAnEarlierBundleAndASymlinkInItsPlaceWithoutFollowingIt() throws Exception {
        Path bundle = TestBundles.tiny(tmp);
        Path state = Files.createDirectories(tmp.resolve("state"));
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createSymbolicLink(state.resolve("bundle"), elsewhere);
        new BundleFile(bundle, state, new HostGate(false, null)).directory();
        assertFalse(Files.isSymbolicLink(state.resolve("bundle")));
        assertTrue(Files.isDirectory(elsewhere));
        assertEquals(List.of(), TestBundles.filesUnder(elsewhere));
    }

    @Test
    void aDryRunUnpacksNothing() throws Exception {
        Path bundle = TestBundles.tiny(tmp);
        HostGate gate = new HostGate(true, null);
        BundleFile file = new BundleFile(bundle, tmp.resolve("state"), gate);
        file.directory();
        assertFalse(file.unpackedAndVerifiedByThisProcess());
        assertFalse(Files.exists(tmp.resolve("state")));
        assertEquals(1, gate.plan().size());
    }

    @Test
    void checksTheSignatureWithThePublicKey() throws Exception {
        KeyPair keys = BundleSignature.generate();
        Path bundle = TestBundles.tiny(tmp, keys.getPrivate());
        assertTrue(new BundleVerifier(BundleLimits.DEFAULT, keys.getPublic()).verify(bundle).signed());
        KeyPair other = BundleSignature.generate();
        BundleDefect d = assertThrows(BundleDefect.class,
                () -> new BundleVerifier(BundleLimits.DEFAULT, other.getPublic()).verify(bundle));
        assertEquals("bundle.json.sig", d.entry());
        assertEquals(ExitCodes.INVALID_INPUT, d.exitCode());
    }

    @Test
    void refusesAnUnsignedBundleWhenAPublicKeyIsGiven() throws Exception {
        Path bundle = TestBundles.tiny(tmp);
        BundleDefect d = assertThrows(BundleDefect.class,
                () -> new BundleVerifier(BundleLimits.DEFAULT, BundleSignature.generate().getPublic()).verify(bundle));
        assertTrue(d.defect().contains("missing"));
    }

    @Test
    void locatorPrefersTheFlagThenTheBinaryFolderThenTheIsoThenTheSpec() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        HostPaths paths = HostPaths.of(root);
        HostGate gate = new HostGate(false, null);
        InstallOptions opts = InstallOptions.under(root);

        InstallerException none = assertThrows(InstallerException.class, () -> BundleLocator.resolve(opts, paths, gate, List.of(bin)));
        assertEquals(ExitCodes.INVALID_INPUT, none.exitCode());

        Path iso = root.resolve("run/infometis/iso/infometis-bundle.tar");
        Files.createDirectories(iso.getParent());
        Files.copy(TestBundles.tiny(tmp.resolve("a")), iso);
        assertEquals(iso, ((BundleFile) BundleLocator.resolve(opts, paths, gate, List.of(bin))).file());

        Path beside = bin.resolve("infometis-bundle.tar");
        Files.copy(iso, beside);
        assertEquals(beside, ((BundleFile) BundleLocator.resolve(opts, paths, gate, List.of(bin))).file());

        Path flag = TestBundles.tiny(tmp.resolve("b"));
        assertEquals(flag, ((BundleFile) BundleLocator.resolve(opts.withBundle(flag), paths, gate, List.of(bin))).file());
    }

    @Test
    void aDryRunWithoutABundlePlansFromTheSpecWithComponentsFromFolders() throws Exception {
        Path spec = tmp.resolve("spec/bundle.yaml");
        Files.createDirectories(spec.getParent().resolve("manifests/20-kafka"));
        Files.createDirectories(spec.getParent().resolve("manifests/10-traefik"));
        Files.writeString(spec.getParent().resolve("manifests/20-kafka/b.yaml"), "b");
        Files.writeString(spec.getParent().resolve("manifests/20-kafka/a.yaml"), "a");
        Files.writeString(spec.getParent().resolve("manifests/10-traefik/t.yaml"), "t");
        Files.writeString(spec, "name: x\nversion: \"1\"\nk0s: {version: v1.33.4+k0s.0, source: /k0s, sha256: SHA256_OF_K0S_BINARY}\nimages: [docker.io/a/b:1]\nmanifests: manifests/\n");
        Path root = Files.createDirectories(tmp.resolve("root"));
        InstallOptions opts = new InstallOptions(root, null, null, spec, true, null, null, null, null, null);
        InstallBundle plan = BundleLocator.resolve(opts, HostPaths.of(root), new HostGate(true, null), List.of());
        SpecPlan sp = assertInstanceOf(SpecPlan.class, plan);
        assertEquals(List.of("traefik", "kafka"), sp.manifest().components().stream().map(BundleManifest.Component::name).toList());
        assertEquals(List.of("manifests/20-kafka/a.yaml", "manifests/20-kafka/b.yaml"), sp.manifest().components().get(1).manifests());
    }

    static byte[] read(InputStream in) throws Exception {
        return in.readAllBytes();
    }
}
