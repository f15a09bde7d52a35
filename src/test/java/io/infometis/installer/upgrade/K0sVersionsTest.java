package io.infometis.installer.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;

class K0sVersionsTest {
    @Test
    void allowsOneMinorUpAPatchAndAK0sBuild() {
        assertTrue(K0sVersions.checkUpgrade("v1.33.4+k0s.0", "v1.34.0+k0s.0"));
        assertTrue(K0sVersions.checkUpgrade("v1.33.4+k0s.0", "v1.33.5+k0s.0"));
        assertTrue(K0sVersions.checkUpgrade("v1.33.4+k0s.0", "v1.33.4+k0s.1"));
        assertFalse(K0sVersions.checkUpgrade("v1.33.4+k0s.0", "v1.33.4+k0s.0"));
    }

    @Test
    void refusesASkippedMinorVersion() {
        InstallerException e = assertThrows(InstallerException.class,
                () -> K0sVersions.checkUpgrade("v1.33.4+k0s.0", "v1.35.0+k0s.0"));
        assertEquals(ExitCodes.INVALID_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("skips a Kubernetes minor version"), e.getMessage());
        assertTrue(e.hint().contains("v1.34.x first"), e.hint());
    }

    @Test
    void refusesADowngradeEvenOfTheK0sBuild() {
        assertEquals(ExitCodes.INVALID_INPUT, assertThrows(InstallerException.class,
                () -> K0sVersions.checkUpgrade("v1.34.0+k0s.0", "v1.33.9+k0s.0")).exitCode());
        assertThrows(InstallerException.class, () -> K0sVersions.checkUpgrade("v1.33.4+k0s.1", "v1.33.4+k0s.0"));
        assertThrows(InstallerException.class, () -> K0sVersions.checkUpgrade("v1.33.4+k0s.0", "v2.0.0+k0s.0"));
    }

    @Test
    void refusesAVersionThatIsNotOne() {
        assertEquals(ExitCodes.INVALID_INPUT, assertThrows(InstallerException.class,
                () -> K0sVersions.checkUpgrade("v1.33.4+k0s.0", "latest")).exitCode());
        assertThrows(InstallerException.class, () -> K0sVersions.checkUpgrade(null, "v1.33.4+k0s.0"));
    }
}
