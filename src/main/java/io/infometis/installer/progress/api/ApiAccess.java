package io.infometis.installer.progress.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import jakarta.inject.Singleton;

/** The optional bearer token of the progress API. Set once by {@code install}; methods only (no proxy trap). */
@Singleton
public class ApiAccess {
    private volatile byte[] token;

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
        if (authorizationHeader == null || !authorizationHeader.startsWith("Bearer ")) {
            return false;
        }
        byte[] given = authorizationHeader.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, given);
    }
}
