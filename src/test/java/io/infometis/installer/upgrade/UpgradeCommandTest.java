package io.infometis.installer.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.testing.TestBundles;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;

/** Refusals of upgrade, rollback and installed: one ERROR line, exit 2, nothing changed. */
@QuarkusMainTest
class UpgradeCommandTest {
    @TempDir
    Path tmp;

    private Path bundle(String k0sVersion) throws Exception {
        Path k0s = TestBundles.k0sStandIn(tmp.resolve("k0s/k0s"));
        return UpgradeBundles.write(tmp.resolve("b"), new UpgradeBundles.Version("9.0.0", k0sVersion, k0s, "app\n",
                List.of(), "a", false));
    }

    private static void assertOneLine(LaunchResult r, String expected) {
        assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), r.getOutput() + r.getErrorOutput());
        List<String> errors = r.getErrorOutput().lines().filter(l -> l.startsWith("ERROR: ")).toList();
        assertEquals(1, errors.size(), r.getErrorOutput());
        assertTrue(errors.get(0).contains(expected), errors.get(0));
        assertFalse(r.getErrorOutput().contains("\tat "), "no stack trace: " + r.getErrorOutput());
    }

    @Test
    void refusesWithoutAnInstallRecord(QuarkusMainLauncher launcher) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path b = bundle("v1.34.0+k0s.0");
        assertOneLine(launcher.launch("upgrade", "--root", root.toString(), "--bundle", b.toString()),
                "nothing to upgrade: no install record");
        assertOneLine(launcher.launch("rollback", "--root", root.toString()), "nothing to roll back");
        assertOneLine(launcher.launch("installed", "--root", root.toString()), "no install record");
        assertEquals(List.of("run/infometis/install.lock"), TestBundles.filesUnder(root), "only the lock under the root");
    }

    @Test
    void refusesAK0sMinorSkipAndADowngradeBeforeChangingAnything(QuarkusMainLauncher launcher) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        InstalledState state = new InstalledState(HostPaths.of(root).stateDir(), new HostGate(false, a -> {
        }));
        InstalledRecord.Installed v1 = new InstalledRecord.Installed("infometis-test", "1.0.0",
                "sha256:" + "a".repeat(64), "v1.33.4+k0s.0", List.of(), Map.of(), Instant.EPOCH);
        state.write(new InstalledRecord(InstalledRecord.FORMAT_VERSION, v1, null));

        assertOneLine(launcher.launch("upgrade", "--root", root.toString(), "--bundle", bundle("v1.35.0+k0s.0").toString()),
                "k0s v1.33.4+k0s.0 → v1.35.0+k0s.0 skips a Kubernetes minor version");
        Files.walk(tmp.resolve("b")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        assertOneLine(launcher.launch("upgrade", "--root", root.toString(), "--bundle", bundle("v1.32.0+k0s.0").toString()),
                "k0s cannot be downgraded");
        assertFalse(Files.exists(root.resolve("usr/local/bin/k0s")));
        assertFalse(Files.exists(HostPaths.of(root).stateDir().resolve(Upgrader.JOURNAL)), "no phase ran");
        assertTrue(state.history().entries().isEmpty(), "no history written");
    }

    @Test
    void refusesAMissingBundle(QuarkusMainLauncher launcher) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        InstalledState state = new InstalledState(HostPaths.of(root).stateDir(), new HostGate(false, a -> {
        }));
        state.write(new InstalledRecord(InstalledRecord.FORMAT_VERSION, new InstalledRecord.Installed("x", "1",
                "sha256:" + "a".repeat(64), "v1.33.4+k0s.0", List.of(), Map.of(), Instant.EPOCH), null));
        assertOneLine(launcher.launch("upgrade", "--root", root.toString(), "--bundle", tmp.resolve("nope.tar").toString()),
                "not found");
    }
}
