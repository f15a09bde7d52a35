package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;

/**
 * Where {@code bundle build} gets k0s's own images: from the k0s binary ({@code k0s airgap list-images}) when it runs
 * here, else from the spec's pin; both present and different is refused. The binaries here are fake k0s scripts (a
 * real k0s cannot be fetched on this machine); {@link #theRepositorysPinMatchesARealK0s} runs the real one when given.
 */
class K0sImagesTest {
    static final String VERSION = "v1.33.4+k0s.0";
    static final List<String> LISTED = List.of("quay.io/k0sproject/coredns:1.12.2", "quay.io/k0sproject/kube-router:v2.5.0-iptables1.8.11-0",
            "quay.io/k0sproject/pause:3.10.1");

    @TempDir
    Path tmp;

    @Test
    void takesTheListFromK0sWhenItRunsHereWithTheInstallersConfig() throws Exception {
        Path seen = tmp.resolve("config-seen.yaml");
        Path k0s = fakeK0s(VERSION, "cp \"$4\" '" + seen + "'; printf '%s\\n' " + String.join(" ", LISTED));
        K0sImages.Listed listed = K0sImages.resolve(k0s, new BundleSpec.K0sSource(VERSION, "k0s", "x", List.of()), tmp);
        assertEquals(LISTED, listed.refs());
        assertTrue(listed.source().contains("k0s airgap list-images"), listed.source());
        // k0s was asked about the config the installer writes, not its defaults
        assertEquals(new String(K0sImages.config()), Files.readString(seen));
        assertTrue(Files.readString(seen).contains("default_pull_policy: Never"));
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".k0s-list-images")).toList(),
                    "the work copy is cleaned up");
        }
    }

    @Test
    void acceptsAPinThatMatchesK0sInAnyOrder() throws Exception {
        Path k0s = fakeK0s(VERSION, "printf '%s\\n' " + String.join(" ", LISTED));
        List<String> pin = List.of(LISTED.get(2), LISTED.get(0), LISTED.get(1));
        K0sImages.Listed listed = K0sImages.resolve(k0s, new BundleSpec.K0sSource(VERSION, "k0s", "x", pin), tmp);
        assertEquals(LISTED, listed.refs());
        assertTrue(listed.source().contains("same as the spec's pin"), listed.source());
    }

    @Test
    void refusesWhenK0sAndThePinDifferWithOneLineNamingTheDifference() throws Exception {
        Path k0s = fakeK0s(VERSION, "printf '%s\\n' " + String.join(" ", LISTED));
        List<String> pin = List.of(LISTED.get(0), LISTED.get(1), "quay.io/k0sproject/pause:3.9");
        InstallerException e = assertThrows(InstallerException.class,
                () -> K0sImages.resolve(k0s, new BundleSpec.K0sSource(VERSION, "k0s", "x", pin), tmp));
        assertEquals(ExitCodes.INVALID_INPUT, e.exitCode());
        assertEquals("k0s v1.33.4+k0s.0 images differ from bundle spec k0s.images: k0s lists quay.io/k0sproject/pause:3.10.1"
                + " which the spec does not pin; the spec pins quay.io/k0sproject/pause:3.9 which k0s does not list"
                + " — set k0s.images to what 'k0s airgap list-images --config k0s/k0s.yaml' prints", e.oneLine());
    }

    @Test
    void usesThePinWhenTheBinaryIsForAnotherCpu() throws Exception {
        // An aarch64 ELF header: on this amd64 host the JDK would hand it to /bin/sh, which "fails to list images".
        Path arm = tmp.resolve("k0s-arm64");
        byte[] elf = new byte[64];
        System.arraycopy(new byte[] { 0x7f, 'E', 'L', 'F', 2, 1, 1 }, 0, elf, 0, 7);
        elf[16] = 2;
        elf[18] = (byte) 183;
        Files.write(arm, elf);
        arm.toFile().setExecutable(true);
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "the fake foreign binary is aarch64; this host is not amd64");
        K0sImages.Listed listed = K0sImages.resolve(arm, new BundleSpec.K0sSource(VERSION, "k0s", "x", LISTED), tmp);
        assertEquals(LISTED, listed.refs());
        assertTrue(listed.source().contains("does not run on this host"), listed.source());
    }

    @Test
    void refusesAnEmptyPinWhenK0sCannotRunHere() throws Exception {
        Path notExecutable = tmp.resolve("k0s-bytes");
        Files.write(notExecutable, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21 });
        InstallerException e = assertThrows(InstallerException.class,
                () -> K0sImages.resolve(notExecutable, new BundleSpec.K0sSource(VERSION, "k0s", "x", List.of()), tmp));
        assertEquals(ExitCodes.INVALID_INPUT, e.exitCode());
        assertTrue(e.oneLine().contains("k0s.images is empty") && e.oneLine().contains("airgap list-images"), e.oneLine());
    }

    @Test
    void refusesWhenK0sFailsToListItsImages() throws Exception {
        Path k0s = fakeK0s(VERSION, "echo 'Error: failed to read config: unknown field \"spec.foo\"' >&2; exit 1");
        InstallerException e = assertThrows(InstallerException.class,
                () -> K0sImages.resolve(k0s, new BundleSpec.K0sSource(VERSION, "k0s", "x", LISTED), tmp));
        assertEquals(ExitCodes.INVALID_INPUT, e.exitCode());
        assertTrue(e.oneLine().startsWith("k0s airgap list-images exited 1: Error: failed to read config"), e.oneLine());
    }

    @Test
    void refusesABinaryOfAnotherVersionThanTheSpecSays() throws Exception {
        Path k0s = fakeK0s("v1.32.8+k0s.0", "printf '%s\\n' " + String.join(" ", LISTED));
        InstallerException e = assertThrows(InstallerException.class,
                () -> K0sImages.resolve(k0s, new BundleSpec.K0sSource(VERSION, "k0s", "x", List.of()), tmp));
        assertTrue(e.oneLine().contains("v1.32.8+k0s.0") && e.oneLine().contains(VERSION), e.oneLine());
    }

    @Test
    void refusesOutputThatIsNotImageRefs() throws Exception {
        Path k0s = fakeK0s(VERSION, "echo 'time=\"2026\" level=info msg=\"using defaults\"'; printf '%s\\n' " + LISTED.get(0));
        InstallerException e = assertThrows(InstallerException.class,
                () -> K0sImages.resolve(k0s, new BundleSpec.K0sSource(VERSION, "k0s", "x", List.of()), tmp));
        assertTrue(e.oneLine().startsWith("k0s airgap list-images: 'time=") && e.oneLine().contains("not a fully qualified"),
                e.oneLine());
        assertFalse(e.oneLine().contains("\n"));
    }

    @Test
    void anImageInBothK0sAndTheStackListsIsRefused() {
        InstallerException e = assertThrows(InstallerException.class,
                () -> BundleBuilder.groups(LISTED, List.of("docker.io/library/busybox:1.35", LISTED.get(2))));
        assertEquals(ExitCodes.INVALID_INPUT, e.exitCode());
        assertTrue(e.oneLine().contains(LISTED.get(2)) && e.oneLine().contains("k0s runs it too"), e.oneLine());
        assertEquals(List.of("k0s", "k0s", "k0s", "stack"),
                List.copyOf(BundleBuilder.groups(LISTED, List.of("docker.io/library/busybox:1.35")).values()));
    }

    /**
     * The pin in the repository's bundle/bundle.yaml against the real k0s it names. Skipped unless a real k0s binary
     * is given: {@code -Dinfometis.k0s.binary=/path/to/k0s-v1.33.4+k0s.0-amd64} or {@code INFOMETIS_K0S_BINARY}
     * (none can be downloaded on the machine these tests were written on).
     */
    @Test
    void theRepositorysPinMatchesARealK0s() throws Exception {
        String given = System.getProperty("infometis.k0s.binary", System.getenv("INFOMETIS_K0S_BINARY"));
        assumeTrue(given != null && !given.isBlank(),
                "no real k0s binary given (-Dinfometis.k0s.binary or INFOMETIS_K0S_BINARY); the pin is unchecked against k0s");
        Path binary = Path.of(given);
        assumeTrue(K0sImages.runsHere(binary), binary + " does not run on this host");
        BundleSpec.K0sSource pinned = BundleSpec.read(Path.of("bundle/bundle.yaml")).k0s();
        // resolve() checks the version and compares the pin with what the binary lists, failing with the difference
        K0sImages.Listed listed = K0sImages.resolve(binary, pinned, tmp);
        assertEquals(pinned.images().stream().sorted().toList(), listed.refs().stream().sorted().toList());
    }

    /** A k0s stand-in: {@code version} prints {@code version}; {@code airgap list-images --config F} runs {@code list}. */
    Path fakeK0s(String version, String list) throws Exception {
        Path file = tmp.resolve("k0s");
        Files.writeString(file, """
                #!/bin/sh
                case "$1 $2" in
                  "version ") echo %s ;;
                  "airgap list-images") [ "$3" = --config ] && [ -f "$4" ] || { echo "Error: no config" >&2; exit 1; }
                    %s ;;
                  *) echo "Error: unknown command \\"$1\\" for \\"k0s\\"" >&2; exit 1 ;;
                esac
                """.formatted(version, list));
        file.toFile().setExecutable(true);
        return file;
    }
}
