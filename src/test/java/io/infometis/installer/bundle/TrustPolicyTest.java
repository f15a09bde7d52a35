package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.bundle.TrustPolicy.Status;
import io.infometis.installer.testing.TestBundles;

/** Signed by default when a key is known; --allow-unsigned is the only way past, and it says so. */
class TrustPolicyTest {
    @TempDir
    Path tmp;
    KeyPair trusted;
    KeyPair other;
    Path trustedPub;
    Path unsigned;
    Path signed;
    Path otherSigned;

    @BeforeEach
    void bundles() throws Exception {
        trusted = BundleSignature.generate();
        other = BundleSignature.generate();
        trustedPub = Files.writeString(tmp.resolve("trusted.pub"), BundleSignature.pem("PUBLIC KEY", trusted.getPublic().getEncoded()));
        unsigned = TestBundles.tiny(tmp.resolve("u"));
        signed = TestBundles.tiny(tmp.resolve("s"), trusted.getPrivate());
        otherSigned = TestBundles.tiny(tmp.resolve("o"), other.getPrivate());
    }

    private TrustPolicy knowing(boolean allowUnsigned) {
        return TrustPolicy.discover(trustedPub, allowUnsigned, List.of());
    }

    @Test
    void aKnownKeyRefusesUnsignedAndOtherwiseSignedBundlesWithExit2() {
        for (Path bundle : List.of(unsigned, otherSigned)) {
            InstallerException e = assertThrows(InstallerException.class, () -> knowing(false).assess(bundle));
            assertEquals(ExitCodes.INVALID_INPUT, e.exitCode());
            assertTrue(e.getMessage().startsWith("bundle entry bundle.json.sig: "), e.getMessage());
            assertTrue(e.getMessage().contains("trusts the key --public-key " + trustedPub), e.getMessage());
            assertTrue(e.hint().contains("--allow-unsigned"), e.hint());
        }
    }

    @Test
    void aBundleSignedByTheKnownKeyIsVerifiedAndTheFullVerifyChecksItAgain() {
        TrustPolicy.Verdict v = knowing(false).assess(signed);
        assertEquals(Status.VERIFIED, v.status());
        assertTrue(v.verified());
        assertEquals(trusted.getPublic(), v.verifierKey());
        assertTrue(v.message().startsWith("signature good"), v.message());
        assertEquals(Status.VERIFIED, knowing(true).assess(signed).status(), "--allow-unsigned changes nothing for a good one");
    }

    @Test
    void allowUnsignedAcceptsAndSaysWhatItAccepted() {
        TrustPolicy.Verdict u = knowing(true).assess(unsigned);
        assertEquals(Status.UNSIGNED_ALLOWED, u.status());
        assertEquals("unsigned-allowed", u.status().label());
        assertTrue(u.message().contains("--allow-unsigned"), u.message());
        assertNull(u.verifierKey());
        TrustPolicy.Verdict o = knowing(true).assess(otherSigned);
        assertEquals(Status.BAD_SIGNATURE_ALLOWED, o.status());
        assertNull(o.verifierKey());
    }

    @Test
    void withNoKnownKeyAnyBundleIsAcceptedAsNotChecked() {
        TrustPolicy none = TrustPolicy.discover(null, false, List.of(tmp.resolve("absent.pub")));
        assertFalse(none.knowsKey());
        for (Path bundle : List.of(unsigned, signed, otherSigned)) {
            TrustPolicy.Verdict v = none.assess(bundle);
            assertEquals(Status.NOT_CHECKED, v.status());
            assertFalse(v.verified());
            assertNull(v.verifierKey());
            assertTrue(v.message().contains("knows no trusted key"), v.message());
        }
    }

    @Test
    void theKeyIsFoundBesideTheExecutableFirstThenUnderTheRoot() throws Exception {
        Path root = tmp.resolve("root");
        Path hostKey = root.resolve("etc/infometis/trusted.pub");
        Files.createDirectories(hostKey.getParent());
        Files.copy(trustedPub, hostKey);
        Path besideDir = Files.createDirectories(tmp.resolve("bin"));
        Path beside = besideDir.resolve(TrustPolicy.KEY_FILE_NAME);
        Files.writeString(beside, BundleSignature.pem("PUBLIC KEY", other.getPublic().getEncoded()));

        TrustPolicy found = TrustPolicy.discover(null, false, List.of(beside, hostKey));
        assertEquals(beside.toString(), found.keySource());
        assertEquals(Status.VERIFIED, found.assess(otherSigned).status());
        assertEquals(hostKey.toString(), TrustPolicy.discover(null, false, List.of(besideDir.resolve("none.pub"), hostKey)).keySource());
        assertTrue(TrustPolicy.candidates(root).contains(hostKey), TrustPolicy.candidates(root).toString());
        assertEquals(hostKey.toString(), TrustPolicy.forInstall(null, false, root).keySource(),
                "no infometis.pub beside the test JVM, so the root's key");
        assertEquals("--public-key " + trustedPub, TrustPolicy.discover(trustedPub, false, List.of(beside)).keySource(),
                "the flag wins");
    }

    @Test
    void aKeyFileThatExistsButIsNoKeyIsAnErrorNotAnOpenDoor() throws Exception {
        Path garbage = Files.writeString(tmp.resolve("garbage.pub"), "not a key\n");
        for (Path bad : List.of(garbage, Path.of("/dev/zero"))) {
            InstallerException e = assertThrows(InstallerException.class, () -> TrustPolicy.discover(null, true, List.of(bad)));
            assertEquals(ExitCodes.INVALID_INPUT, e.exitCode());
            assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        }
        InstallerException flag = assertThrows(InstallerException.class, () -> TrustPolicy.discover(Path.of("/dev/zero"), false, List.of()));
        assertTrue(flag.getMessage().startsWith("--public-key /dev/zero"), flag.getMessage());
    }
}
