package io.infometis.installer.progress.api;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpMethod;

/**
 * The API is read-only and may require a token: these run before any route, so they also cover paths no
 * resource declares (a POST anywhere answers 405, not 404). Health stays open without the token.
 */
public class ApiFilters {
    @Inject
    ApiAccess access;

    void register(@Observes Filters filters) {
        filters.register(rc -> {
            HttpMethod m = rc.request().method();
            if (m != HttpMethod.GET && m != HttpMethod.HEAD) {
                rc.response().setStatusCode(405).putHeader("Allow", "GET, HEAD")
                        .putHeader("Content-Type", "application/json")
                        .end("{\"error\":\"read-only API: use GET\"}");
                return;
            }
            String path = rc.normalizedPath();
            if (path.startsWith("/api/") && !access.allows(rc.request().getHeader("Authorization"))) {
                rc.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer realm=\"infometis\"")
                        .putHeader("Content-Type", "application/json")
                        .end("{\"error\":\"bearer token required\"}");
                return;
            }
            rc.next();
        }, 100);
    }
}
