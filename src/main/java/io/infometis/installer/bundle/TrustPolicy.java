package io.infometis.installer.bundle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import io.infometis.installer.InstallerException;

/**
 * Which bundles this installer accepts. One class for {@code install}, {@code bundle verify} and (later)
 * {@code upgrade}, so the three can never disagree.
 *
 * <p>The trusted key, first found: {@code --public-key FILE}; {@value #KEY_FILE_NAME} beside the executable (or
 * the jar run with {@code -jar}); {@value #HOST_KEY} (under {@code --root} for install). None is baked into the
 * build: a key beside the executable travels with it onto the air-gapped site, and a build without one still
 * passes its tests.
 *
 * <ul>
 * <li>A trusted key is known: the bundle must be signed by it. An unsigned bundle, or one whose signature does not
 * verify with that key, is refused (exit 2) unless {@code --allow-unsigned}, which accepts it and says so in the
 * verdict (recorded in the journal, preflight.json and progress).</li>
 * <li>No trusted key is known: the signature cannot be checked, so any bundle is accepted as "not checked", as
 * before this policy; the verdict says so, and preflight records it as a warning.</li>
 * </ul>
 */
public final class TrustPolicy {
    public static final String KEY_FILE_NAME = "infometis.pub";
    public static final String HOST_KEY = "/etc/infometis/trusted.pub";
    private static final int MAX_KEY_FILE = 16 * 1024;

    private final PublicKey key;
    private final String keySource;
    private final boolean allowUnsigned;

    public enum Status {
        /** Signed by the trusted key. */
        VERIFIED("verified"),
        /** A trusted key is known, the bundle is unsigned, and --allow-unsigned accepted it. */
        UNSIGNED_ALLOWED("unsigned-allowed"),
        /** A trusted key is known, the signature does not verify with it, and --allow-unsigned accepted it. */
        BAD_SIGNATURE_ALLOWED("bad-signature-allowed"),
        /** No trusted key is known: the signature was not checked. */
        NOT_CHECKED("not-checked");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * What the policy decided about one bundle. {@code verifierKey} is what the full verification must check the
     * signature against again: the key when it verified, else null (nothing more to enforce).
     */
    public record Verdict(Status status, String message, PublicKey verifierKey) {
        public boolean verified() {
            return status == Status.VERIFIED;
        }
    }

    TrustPolicy(PublicKey key, String keySource, boolean allowUnsigned) {
        this.key = key;
        this.keySource = keySource;
        this.allowUnsigned = allowUnsigned;
    }

    /** For install: {@code --public-key}, else the key beside the executable, else {@value #HOST_KEY} under root. */
    public static TrustPolicy forInstall(Path publicKey, boolean allowUnsigned, Path root) {
        return discover(publicKey, allowUnsigned, candidates(root));
    }

    /** For {@code bundle verify}: the same search, on this host. */
    public static TrustPolicy forHost(Path publicKey, boolean allowUnsigned) {
        return forInstall(publicKey, allowUnsigned, Path.of("/"));
    }

    static List<Path> candidates(Path root) {
        List<Path> found = new ArrayList<>();
        for (Path dir : BundleLocator.binaryDirs()) {
            found.add(dir.resolve(KEY_FILE_NAME));
        }
        found.add(root.resolve(HOST_KEY.substring(1)));
        return found;
    }

    /** The explicit key, else the first candidate file that exists; a key file that exists but is bad is an error. */
    static TrustPolicy discover(Path publicKey, boolean allowUnsigned, List<Path> candidates) {
        if (publicKey != null) {
            return new TrustPolicy(readKey(publicKey, "--public-key " + publicKey), "--public-key " + publicKey, allowUnsigned);
        }
        for (Path c : candidates) {
            if (Files.exists(c)) {
                return new TrustPolicy(readKey(c, "trusted key " + c), c.toString(), allowUnsigned);
            }
        }
        return new TrustPolicy(null, null, allowUnsigned);
    }

    public boolean knowsKey() {
        return key != null;
    }

    /** Where the trusted key came from ({@code --public-key FILE} or a path); null when none is known. */
    public String keySource() {
        return keySource;
    }

    public boolean allowUnsigned() {
        return allowUnsigned;
    }

    /** Reads bundle.json and the entry after it (two small reads) and decides; refuses with exit 2. */
    public Verdict assess(Path bundleFile) {
        try (BundleReader reader = new BundleReader(bundleFile, BundleLimits.DEFAULT)) {
            BundleReader.Entry first = reader.next();
            if (first == null || !first.name().equals(BundleEntries.MANIFEST)) {
                throw new BundleDefect(first == null ? "(empty archive)" : first.name(), "the first entry must be bundle.json");
            }
            byte[] manifest = small(first);
            BundleReader.Entry next = reader.next();
            byte[] sig = next != null && next.name().equals(BundleEntries.SIGNATURE) ? small(next) : null;
            return assess(manifest, sig);
        } catch (IOException e) {
            throw new BundleDefect("(file)", "unreadable " + bundleFile + " (" + e.getMessage() + ")");
        }
    }

    /** The decision for bundle.json's bytes and its signature file's bytes (null when the bundle has none). */
    public Verdict assess(byte[] manifestBytes, byte[] signature) {
        if (key == null) {
            return new Verdict(Status.NOT_CHECKED, (signature == null ? "unsigned" : "signed")
                    + ", signature not checked: this installer knows no trusted key (" + KEY_FILE_NAME
                    + " beside it, " + HOST_KEY + " or --public-key)", null);
        }
        if (signature != null && BundleSignature.verify(manifestBytes, signature, key)) {
            return new Verdict(Status.VERIFIED, "signature good (trusted key " + keySource + ")", key);
        }
        String what = signature == null ? "unsigned" : "signed, but not by the trusted key (or not over this bundle.json)";
        if (!allowUnsigned) {
            throw InstallerException.invalidInput("bundle entry " + BundleEntries.SIGNATURE + ": "
                    + (signature == null ? "missing" : "does not verify with the trusted key")
                    + ", and this installer trusts the key " + keySource,
                    "use a bundle signed with that key ('infometis bundle build --signing-key'), or pass "
                    + "--allow-unsigned to accept it anyway (recorded in the journal and shown in progress)");
        }
        return new Verdict(signature == null ? Status.UNSIGNED_ALLOWED : Status.BAD_SIGNATURE_ALLOWED,
                what + ", accepted because of --allow-unsigned (trusted key " + keySource + ")", null);
    }

    private static byte[] small(BundleReader.Entry e) throws IOException {
        if (e.size() > BundleLimits.DEFAULT.maxMetadataBytes()) {
            throw new BundleDefect(e.name(), "larger than the metadata limit");
        }
        return e.data().readAllBytes();
    }

    /** An Ed25519 X.509 PEM public key; at most 16 KiB is read, so {@code /dev/zero} is an error, not an OOM. */
    static PublicKey readKey(Path file, String what) {
        // Not a regular file (/dev/zero) or over 16 KiB: refused before it is read (one rule for every key file).
        String label = what.endsWith(" " + file) ? what.substring(0, what.length() - file.toString().length() - 1) : what;
        byte[] bytes = io.infometis.installer.SmallFiles.read(file, io.infometis.installer.SmallFiles.KEY_BYTES, label);
        String hint = "use the public key written by 'infometis bundle keygen' or 'openssl pkey -pubout'";
        if (bytes.length > MAX_KEY_FILE) {
            throw InstallerException.invalidInput(what + " is larger than a public key", hint);
        }
        String text = new String(bytes, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN PUBLIC KEY-----";
        String end = "-----END PUBLIC KEY-----";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        try {
            if (b < 0 || e < b) {
                throw new IllegalArgumentException("no PUBLIC KEY block");
            }
            byte[] der = Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException ex) {
            throw InstallerException.invalidInput(what + " is not an Ed25519 X.509 PEM public key", hint);
        }
    }
}
