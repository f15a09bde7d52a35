package io.infometis.installer.bundle;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

import io.infometis.installer.InstallerException;

/**
 * {@code bundle.json.sig}: an Ed25519 signature (the JDK's own provider, no library) over the exact bytes of
 * bundle.json, stored as one line of base64. Keys are PEM: PKCS#8 private, X.509 public — the same files
 * {@code openssl genpkey -algorithm ed25519} writes.
 */
public final class BundleSignature {
    private BundleSignature() {
    }

    public static byte[] sign(byte[] bundleJson, PrivateKey key) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(bundleJson);
            return (Base64.getEncoder().encodeToString(s.sign()) + "\n").getBytes(StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw InstallerException.invalidInput("signing bundle.json: " + e.getMessage(), "use an Ed25519 private key");
        }
    }

    public static boolean verify(byte[] bundleJson, byte[] sigFile, PublicKey key) {
        try {
            byte[] raw = Base64.getDecoder().decode(new String(sigFile, StandardCharsets.US_ASCII).trim());
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(bundleJson);
            return s.verify(raw);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }

    public static PrivateKey readPrivateKey(Path pem) {
        try {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der(pem, "PRIVATE KEY")));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw InstallerException.invalidInput("signing key " + pem + " is not an Ed25519 PKCS#8 PEM key",
                    "create one with 'infometis bundle keygen' or 'openssl genpkey -algorithm ed25519'");
        }
    }

    public static PublicKey readPublicKey(Path pem) {
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der(pem, "PUBLIC KEY")));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw InstallerException.invalidInput("public key " + pem + " is not an Ed25519 X.509 PEM key",
                    "use the public key written by 'infometis bundle keygen' or 'openssl pkey -pubout'");
        }
    }

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks Ed25519", e);
        }
    }

    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static byte[] der(Path pem, String type) {
        // Bounded: a key is a few hundred bytes, and /dev/zero is not a key.
        String text = new String(io.infometis.installer.SmallFiles.read(pem, io.infometis.installer.SmallFiles.KEY_BYTES,
                "key file"), StandardCharsets.US_ASCII);
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b < 0 || e < b) {
            throw new IllegalArgumentException("no " + type + " block");
        }
        return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
    }
}
