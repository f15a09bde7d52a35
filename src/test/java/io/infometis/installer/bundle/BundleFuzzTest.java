package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded run of {@link BundleFuzzer} in the normal suite: a fixed seed and a fixed number of cases (a count, not a
 * time). Every case must verify good or be refused with exit 2 and one line; the generous per-case timeout only
 * detects a hang. bench/fuzz-bundle.sh runs the long campaign.
 */
class BundleFuzzTest {
    static final long SEED = 20261201L;
    static final int CASES = 1500;

    @TempDir
    Path tmp;

    @Test
    void everyMutatedBundleIsGoodOrRefusedWithExit2() throws Exception {
        BundleFuzzer.Result r = new BundleFuzzer(tmp, SEED).run(CASES, 0, 120);
        assertEquals(List.of(), r.crashes(), r.toString());
        assertEquals(List.of(), r.hangs(), r.toString());
        assertEquals(CASES, r.cases());
        // The harness reaches both outcomes: mutations that keep a bundle good (e.g. in padding) and refusals.
        assertTrue(r.refused() > CASES / 2 && r.good() > 0, r.toString());
    }
}
