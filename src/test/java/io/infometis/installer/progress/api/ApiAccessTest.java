package io.infometis.installer.progress.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token's default: generated and required unless a file names one or the API is opened on purpose. */
class ApiAccessTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clear() {
        System.clearProperty(ApiAccess.TOKEN_FILE_PROPERTY);
        System.clearProperty(ApiAccess.OPEN_PROPERTY);
    }

    @Test
    void byDefaultATokenIsGeneratedAndRequired() {
        ApiAccess a = new ApiAccess();
        assertTrue(a.tokenRequired());
        String token = a.generatedToken();
        assertTrue(token.matches("[A-Za-z0-9_-]{43}"), token);
        assertNotEquals(token, new ApiAccess().generatedToken(), "a new token per start");
        assertFalse(a.allows(null));
        assertFalse(a.allows("Bearer " + token.substring(1)));
        assertFalse(a.allows(token));
        assertTrue(a.allows("Bearer " + token));
    }

    @Test
    void aTokenFileIsUsedAndNothingIsGenerated() throws Exception {
        System.setProperty(ApiAccess.TOKEN_FILE_PROPERTY, Files.writeString(tmp.resolve("t"), "given\n").toString());
        ApiAccess a = new ApiAccess();
        assertNull(a.generatedToken());
        assertTrue(a.allows("Bearer given"));
        assertFalse(a.allows(null));
    }

    @Test
    void anEmptyOrUnreadableTokenFileRefusesEverything() throws Exception {
        System.setProperty(ApiAccess.TOKEN_FILE_PROPERTY, Files.writeString(tmp.resolve("empty"), "\n").toString());
        ApiAccess empty = new ApiAccess();
        assertTrue(empty.tokenRequired());
        assertFalse(empty.allows("Bearer "));
        assertFalse(empty.allows(null));
        System.setProperty(ApiAccess.TOKEN_FILE_PROPERTY, tmp.resolve("missing").toString());
        assertFalse(new ApiAccess().allows(null));
    }

    @Test
    void onlyAnExplicitOpenServesWithoutAToken() {
        System.setProperty(ApiAccess.OPEN_PROPERTY, "true");
        ApiAccess a = new ApiAccess();
        assertFalse(a.tokenRequired());
        assertNull(a.generatedToken());
        assertTrue(a.allows(null));
    }

    @Test
    void aTokenFileLargerThanATokenIsAnErrorNotAnOutOfMemory() {
        IOException e = assertThrows(IOException.class, () -> ApiAccess.readTokenFile(Path.of("/dev/zero")));
        assertTrue(e.getMessage().contains("not a token file"), e.getMessage());
    }

    @Test
    void canonicalPathsAreOnlyPlainSegments() {
        for (String ok : new String[] {"/", "/api/v1/progress", "/page.js", "/q/health/live", "/api/v1/progress/"}) {
            assertTrue(ApiFilters.isCanonical(ok), ok);
        }
        for (String bad : new String[] {"", "api", "//", "/a//b", "/a;b", "/a%2Fb", "/.", "/..", "/a/../b", "/a/./b",
                "/a\\b", "/a b", "/a?b"}) {
            assertFalse(ApiFilters.isCanonical(bad), bad);
        }
    }
}
