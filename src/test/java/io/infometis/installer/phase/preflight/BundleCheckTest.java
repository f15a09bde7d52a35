package io.infometis.installer.phase.preflight;

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

import io.infometis.installer.bundle.BundleLocator;
import io.infometis.installer.cli.ExitCodes;
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
        PhaseRunner.Outcome outcome = new Installer(options, new Progress())
                .run(List.of(new PreflightPhase(List.of(new BundleCheck()), HostFacts.live())), installBundle);
        assertEquals(ExitCodes.DONE, outcome.exitCode(), String.valueOf(outcome.failure()));
    }
}
