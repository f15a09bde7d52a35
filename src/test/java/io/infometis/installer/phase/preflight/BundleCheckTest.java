package io.infometis.installer.phase.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.bundle.BundleDefect;
import io.infometis.installer.bundle.BundleFile;
import io.infometis.installer.bundle.BundleLimits;
import io.infometis.installer.bundle.BundleLocator;
import io.infometis.installer.bundle.BundleSignature;
import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.install.Installer;
import io.infometis.installer.phase.PhaseRunner;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.testing.TestBundles;

class BundleCheckTest {
    @TempDir
    Path tmp;

    @Test
    void refusesACorruptBundleWithExit2BeforeTouchingTheHost() throws Exception {
        Path bundle = TestBundles.tiny(tmp.resolve("b"));
        try (FileChannel ch = FileChannel.open(bundle, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(bundle) - 3000);
        }
        Path root = Files.createDirectories(tmp.resolve("root"));
        InstallOptions options = InstallOptions.under(root).withBundle(bundle);
        HostPaths paths = HostPaths.of(root);
        var installBundle = BundleLocator.resolve(options, paths, new HostGate(false, null));
        PhaseRunner.Outcome outcome = new Installer(options, new Progress())
                .run(List.of(new PreflightPhase(List.of(new BundleCheck(), new DiskCheck()), HostFacts.live())), installBundle);
        assertEquals(ExitCodes.INVALID_INPUT, outcome.exitCode());
        assertTrue(outcome.failure().message().contains("bundle entry"), outcome.failure().message());
        assertFalse(Files.exists(paths.stateDir().resolve("bundle")));
        assertFalse(Files.exists(paths.preflightResults()));
    }

    @Test
    void passesAGoodBundle() throws Exception {
        Path bundle = TestBundles.tiny(tmp.resolve("b"));
        Path root = Files.createDirectories(tmp.resolve("root"));
        InstallOptions options = InstallOptions.under(root).withBundle(bundle);
        var installBundle = BundleLocator.resolve(options, HostPaths.of(root), new HostGate(false, null));
        PhaseRunner.Outcome outcome = preflight(options, installBundle);
        assertEquals(ExitCodes.DONE, outcome.exitCode(), String.valueOf(outcome.failure()));
    }

    @Test
    void passesABundleSignedByTheGivenKey() throws Exception {
        KeyPair keys = BundleSignature.generate();
        Path bundle = TestBundles.tiny(tmp.resolve("b"), keys.getPrivate());
        Path root = Files.createDirectories(tmp.resolve("root"));
        InstallOptions options = InstallOptions.under(root).withBundle(bundle);
        var installBundle = BundleLocator.resolve(options, HostPaths.of(root), new HostGate(false, null), keys.getPublic());
        PhaseRunner.Outcome outcome = preflight(options, installBundle);
        assertEquals(ExitCodes.DONE, outcome.exitCode(), String.valueOf(outcome.failure()));
    }

    @Test
    void refusesWithExit2ABundleThatIsUnsignedOrSignedByAnotherKeyBeforeTouchingTheHost() throws Exception {
        KeyPair keys = BundleSignature.generate();
        Path root = Files.createDirectories(tmp.resolve("root"));
        HostPaths paths = HostPaths.of(root);
        for (Path bundle : List.of(TestBundles.tiny(tmp.resolve("unsigned")),
                TestBundles.tiny(tmp.resolve("other"), BundleSignature.generate().getPrivate()))) {
            InstallOptions options = InstallOptions.under(root).withBundle(bundle);
            BundleDefect refused = assertThrows(BundleDefect.class,
                    () -> BundleLocator.resolve(options, paths, new HostGate(false, null), keys.getPublic()));
            assertEquals(ExitCodes.INVALID_INPUT, refused.exitCode());
            assertEquals("bundle.json.sig", refused.entry(), bundle.toString());

            // The same bundle handed to the engine unopened: still refused before any phase writes.
            var unopened = new BundleFile(bundle, paths.stateDir(), new HostGate(false, null), BundleLimits.DEFAULT,
                    keys.getPublic());
            PhaseRunner.Outcome outcome = preflight(options, unopened);
            assertEquals(ExitCodes.INVALID_INPUT, outcome.exitCode(), bundle.toString());
            assertTrue(outcome.failure().message().startsWith("bundle entry bundle.json.sig: "), outcome.failure().message());
            assertFalse(Files.exists(paths.stateDir().resolve("bundle")));
            assertFalse(Files.exists(paths.preflightResults()));
        }
    }

    /** A preflight of the bundle check alone, through the engine. */
    private static PhaseRunner.Outcome preflight(InstallOptions options, InstallBundle bundle) {
        return new Installer(options, new Progress())
                .run(List.of(new PreflightPhase(List.of(new BundleCheck()), HostFacts.live())), bundle);
    }
}
