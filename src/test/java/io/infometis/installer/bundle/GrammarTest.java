package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;

import org.junit.jupiter.api.Test;

/** The rules themselves, against the upstream grammars they transcribe. */
class GrammarTest {
    static final String HEX = "0123456789abcdef".repeat(4);

    @Test
    void imageRefsFollowTheDistributionReferenceGrammarWithTheRegistryRequired() {
        for (String ok : new String[] { "docker.io/library/busybox:1.35", "localhost:5000/a/b@sha256:" + HEX, "localhost/a:1",
                "[::1]:5000/a:1", "registry.example.com/a__b/c--d.e:v1.0_X", "docker.io/a/b:1@sha256:" + HEX, "Reg.IO/a:1" }) {
            assertTrue(Grammar.isImageRef(ok), ok);
        }
        for (String bad : new String[] { "busybox:1.35", "library/busybox:1.35", "docker.io/Library/busybox:1", "docker.io/a/b",
                "docker.io/a/b:", "docker.io/a/b:-x", "-docker.io/a:1", "docker.io/a/b:1 ", "docker.io/a/b:1\n",
                "docker.io/a/b@sha512:" + HEX + HEX, "docker.io/a_/b:1", "docker.io/a/b:" + "x".repeat(129),
                "docker.io/" + "a".repeat(250) + ":1", "docker.io/a/b@sha256:" + HEX.toUpperCase() }) {
            assertFalse(Grammar.isImageRef(bad), bad);
        }
    }

    @Test
    void quantitiesFollowTheResourceQuantityGrammarAndMustBeWholePositiveBytes() {
        assertEquals(BigInteger.valueOf(1L << 30), Grammar.quantityBytes("1Gi"));
        assertEquals(BigInteger.valueOf(3L << 29), Grammar.quantityBytes("1.5Gi"));
        assertEquals(BigInteger.valueOf(2_000_000_000L), Grammar.quantityBytes("2e9"));
        assertEquals(BigInteger.valueOf(1000), Grammar.quantityBytes("1k"));
        assertEquals(BigInteger.valueOf(1024), Grammar.quantityBytes("+1Ki"));
        assertEquals(BigInteger.valueOf(7L << 60), Grammar.quantityBytes("7Ei"));
        for (String bad : new String[] { "500m", "0", "-1Gi", "1e-3", "8Ei", "lots", "1 Gi", "1GB", "1gi", "", "1Gi\n", ".", "1e" }) {
            assertNull(Grammar.quantityBytes(bad), bad);
        }
    }

    @Test
    void modesLabelsAndK0sVersions() {
        assertTrue(Grammar.MODE.accepts("0777") && Grammar.MODE.accepts("0000") && Grammar.MODE.accepts("0750"));
        assertFalse(Grammar.MODE.accepts("1777") || Grammar.MODE.accepts("777") || Grammar.MODE.accepts("07777")
                || Grammar.MODE.accepts("0778") || Grammar.MODE.accepts(null));
        assertTrue(Grammar.DNS_LABEL.accepts("a".repeat(63)) && Grammar.DNS_LABEL.accepts("nifi-content"));
        assertFalse(Grammar.DNS_LABEL.accepts("a".repeat(64)) || Grammar.DNS_LABEL.accepts("-a") || Grammar.DNS_LABEL.accepts("a-")
                || Grammar.DNS_LABEL.accepts("..") || Grammar.DNS_LABEL.accepts(""));
        assertTrue(Grammar.K0S_VERSION.accepts("v1.33.4+k0s.0") && Grammar.K0S_VERSION.accepts("v1.34.0-rc.1+k0s.0"));
        assertFalse(Grammar.K0S_VERSION.accepts("1.33.4") || Grammar.K0S_VERSION.accepts("latest") || Grammar.K0S_VERSION.accepts("v1.33"));
    }

    @Test
    void quotedValuesStayOnOneLine() {
        assertEquals("'a\\nb\\u0000c'", Grammar.quote("a\nb\0c"));
        assertEquals(82 + 1, Grammar.quote("x".repeat(200)).length());
    }
}
