package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.testing.TestBundles;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;

/**
 * Every hostile case of the per-class tests, through the real entry point: {@code infometis bundle verify FILE}
 * exits 2 with exactly one line, {@code ERROR: bundle entry …} naming the defect, no stack trace, and writes nothing.
 */
@QuarkusMainTest
class HostileBundlesCliTest {
    @TempDir
    Path tmp;

    @Test
    void everyHostileBundleExits2WithOneLineAndWritesNothing(QuarkusMainLauncher launcher) throws Exception {
        Forge forge = new Forge(tmp);
        List<Forge.Case> all = new ArrayList<>();
        all.addAll(HostileManifestFieldsTest.cases());
        all.addAll(CanonicalParseTest.cases());
        all.addAll(TarFormatTest.cases());
        all.addAll(OciStructureTest.cases());
        LaunchResult good = launcher.launch("bundle", "verify", forge.good.toString());
        assertEquals(0, good.exitCode(), good.getErrorOutput());
        for (Forge.Case c : all) {
            Path bundle = c.make().from(forge);
            List<String> before = TestBundles.filesUnder(tmp);
            LaunchResult r = launcher.launch("bundle", "verify", bundle.toString());
            String err = r.getErrorOutput().strip();
            assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), c.name() + ": " + err);
            assertEquals(1, err.lines().count(), c.name() + ": " + err);
            assertTrue(err.startsWith("ERROR: bundle entry ") && err.contains(c.defect()), c.name() + ": " + err);
            assertEquals(before, TestBundles.filesUnder(tmp), c.name() + ": nothing written");
        }
    }
}
