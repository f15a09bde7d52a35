package io.infometis.installer.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** SHA-256 the way the bundle format writes it: lower-case hex, {@code sha256:} prefix for OCI digests. */
public final class Digests {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    private Digests() {
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    public static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    public static String sha256(byte[] bytes) {
        return hex(sha256().digest(bytes));
    }

    public static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
            }
        }
        return hex(md.digest());
    }

    public static boolean isSha256Hex(String s) {
        return s != null && HEX64.matcher(s).matches();
    }

    /** {@code sha256:<hex>} → {@code <hex>}; null when it is not a well-formed sha256 digest. */
    public static String hexOf(String ociDigest) {
        if (ociDigest == null || !ociDigest.startsWith("sha256:")) {
            return null;
        }
        String hex = ociDigest.substring(7);
        return isSha256Hex(hex) ? hex : null;
    }
}
