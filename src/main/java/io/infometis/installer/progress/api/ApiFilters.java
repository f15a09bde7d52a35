package io.infometis.installer.progress.api;

import java.util.Set;
import java.util.regex.Pattern;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

/**
 * Runs before any route, so it also covers paths no resource declares. In order: every response gets the
 * security headers; a path that is not in canonical form is refused (400); anything but GET/HEAD is refused (405);
 * and, when a token is required, every path but the page and liveness needs it (401).
 *
 * <p>Why a canonical-path rule rather than a smarter prefix check: the router and JAX-RS each decode and
 * normalise a path their own way ({@code /api;x/v1/progress} is {@code /api/v1/progress} to JAX-RS, which drops
 * matrix parameters, but not to a string prefix test). Accepting only paths whose raw form is already plain
 * segments of unreserved characters — no {@code ;}, no {@code %}, no empty, {@code .} or {@code ..} segment —
 * leaves one reading of the path, so the open list below names exactly the routes that serve it. Everything
 * not on it needs the token, including paths that do not exist (default deny).
 */
public class ApiFilters {
    /** Paths served without the token: the page (it asks for the token) and liveness (no host facts). */
    static final Set<String> OPEN = Set.of("/", "/index.html", "/page.css", "/page.js", "/q/health/live");

    private static final Pattern CANONICAL = Pattern.compile("/|(/[A-Za-z0-9_~.-]+)+/?");

    static final String CSP = "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";

    @Inject
    ApiAccess access;

    void register(@Observes Filters filters) {
        filters.register(this::filter, 100);
    }

    private void filter(RoutingContext rc) {
        // Set when the headers go out, so a handler further on (static files, errors) cannot drop them.
        rc.addHeadersEndHandler(v -> securityHeaders(rc.response().headers()));
        String raw = rc.request().path();
        if (!isCanonical(raw)) {
            refuse(rc, 400, "path not in canonical form: no ';', '%', '//', '.' or '..' segments");
            return;
        }
        HttpMethod m = rc.request().method();
        if (m != HttpMethod.GET && m != HttpMethod.HEAD) {
            rc.response().putHeader("Allow", "GET, HEAD");
            refuse(rc, 405, "read-only API: use GET");
            return;
        }
        if (!OPEN.contains(raw) && !access.allows(rc.request().getHeader("Authorization"))) {
            rc.response().putHeader("WWW-Authenticate", "Bearer realm=\"infometis\"");
            refuse(rc, 401, "bearer token required");
            return;
        }
        rc.next();
    }

    static boolean isCanonical(String raw) {
        if (raw == null || !CANONICAL.matcher(raw).matches()) {
            return false;
        }
        for (String segment : raw.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    static void securityHeaders(MultiMap h) {
        h.set("Content-Security-Policy", CSP);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Cross-Origin-Resource-Policy", "same-origin");
        // Progress changes every second and may be behind a token: no cache keeps a copy.
        h.set("Cache-Control", "no-store");
    }

    private static void refuse(RoutingContext rc, int status, String why) {
        rc.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end("{\"error\":\"" + why + "\"}");
    }
}
