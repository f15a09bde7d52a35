package io.infometis.installer.progress.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

import jakarta.inject.Singleton;

/**
 * The bearer token of the progress API. By default a token is required: the one in {@code --api-token-file}, or
 * else one generated here at start (32 random bytes, url-safe base64) that {@code install} prints once and keeps
 * in a 0600 file in the state dir. Only {@code --api-open} serves without one. Methods only (no proxy trap).
 */
@Singleton
public class ApiAccess {
    /**
     * Set by {@code install} before Quarkus starts, so the token guards the API from the server's first request
     * rather than from the moment the command runs. It names the file, never the token.
     */
    public static final String TOKEN_FILE_PROPERTY = "infometis.api-token-file";
    /** Set by {@code install --api-open} before Quarkus starts: serve without a token. */
    public static final String OPEN_PROPERTY = "infometis.api-open";
    /** The file name of a generated token in the state dir; {@code status} reads it on the same host. */
    public static final String TOKEN_FILE_NAME = "api-token";

    private static final int MAX_TOKEN_FILE = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    private volatile byte[] token;
    private volatile String generated;

    public ApiAccess() {
        String file = System.getProperty(TOKEN_FILE_PROPERTY);
        if (file != null) {
            try {
                requireToken(readTokenFile(Path.of(file)));
                if (token == null) {
                    token = new byte[0];
                }
            } catch (IOException e) {
                // Refuse everything rather than serve openly; install reports the unreadable file itself.
                token = new byte[0];
            }
        } else if (!Boolean.getBoolean(OPEN_PROPERTY)) {
            generated = newToken();
            token = generated.getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** A token file's text; refuses more than 4 KiB, so {@code /dev/zero} is an error, not an OutOfMemoryError. */
    public static String readTokenFile(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(MAX_TOKEN_FILE + 1);
            if (b.length > MAX_TOKEN_FILE) {
                throw new IOException("larger than " + MAX_TOKEN_FILE + " bytes: not a token file");
            }
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    /** 32 bytes from {@link SecureRandom}, url-safe base64 without padding (43 characters). */
    public static String newToken() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Requires this token from now on; null or blank opens the API (what {@code --api-open} does). */
    public void requireToken(String value) {
        this.generated = null;
        this.token = value == null || value.isBlank() ? null : value.trim().getBytes(StandardCharsets.UTF_8);
    }

    public boolean tokenRequired() {
        return token != null;
    }

    /** The token generated at start, for install to print once and save; null when one was given or none is used. */
    public String generatedToken() {
        return generated;
    }

    /** Constant-time check of an {@code Authorization} header. */
    public boolean allows(String authorizationHeader) {
        byte[] expected = token;
        if (expected == null) {
            return true;
        }
        if (expected.length == 0 || authorizationHeader == null || !authorizationHeader.startsWith("Bearer ")) {
            return false;
        }
        byte[] given = authorizationHeader.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, given);
    }
}
