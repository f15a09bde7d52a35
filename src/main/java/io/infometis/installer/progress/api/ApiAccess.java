package io.infometis.installer.progress.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import jakarta.inject.Singleton;

/** The optional bearer token of the progress API. Set once by {@code install}; methods only (no proxy trap). */
@Singleton
public class ApiAccess {
    /**
     * Set by {@code install} before Quarkus starts, so the token guards {@code /api} from the server's first
     * request rather than from the moment the command runs. It names the file, never the token.
     */
    public static final String TOKEN_FILE_PROPERTY = "infometis.api-token-file";

    private volatile byte[] token;

    public ApiAccess() {
        String file = System.getProperty(TOKEN_FILE_PROPERTY);
        if (file != null) {
            try {
                requireToken(java.nio.file.Files.readString(java.nio.file.Path.of(file)));
            } catch (java.io.IOException e) {
                // Refuse everything rather than serve openly; install reports the unreadable file itself.
                token = new byte[0];
            }
        }
    }

    public void requireToken(String value) {
        this.token = value == null || value.isBlank() ? null : value.trim().getBytes(StandardCharsets.UTF_8);
    }

    public boolean tokenRequired() {
        return token != null;
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
