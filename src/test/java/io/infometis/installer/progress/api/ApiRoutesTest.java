package io.infometis.installer.progress.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.infometis.installer.Json;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Every route, with and without the token, over a raw socket: an HTTP library would normalise the very paths
 * (matrix parameters, encoded slashes, dot segments) an attacker sends as they are.
 */
@QuarkusTest
class ApiRoutesTest {
    static final String TOKEN = ApiAccess.newToken();

    @Inject
    ApiAccess access;
    @TestHTTPResource("/")
    URL base;

    record Reply(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
        }
    }

    @BeforeEach
    void requireTheToken() {
        access.requireToken(TOKEN);
    }

    /** One request as raw bytes: the request target goes on the wire exactly as given. */
    private Reply raw(String method, String target, String token) throws Exception {
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(30_000);
            String req = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n";
            OutputStream out = s.getOutputStream();
            out.write(req.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            String[] head = text.substring(0, split).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < head.length; i++) {
                int c = head[i].indexOf(':');
                headers.put(head[i].substring(0, c).trim().toLowerCase(Locale.ROOT), head[i].substring(c + 1).trim());
            }
            return new Reply(Integer.parseInt(head[0].split(" ")[1]), headers, text.substring(split + 4));
        }
    }

    private static void assertSecurityHeaders(Reply r, String what) {
        assertEquals("nosniff", r.header("X-Content-Type-Options"), what);
        assertEquals("DENY", r.header("X-Frame-Options"), what);
        assertEquals("no-referrer", r.header("Referrer-Policy"), what);
        assertTrue(r.header("Content-Security-Policy").contains("frame-ancestors 'none'"), what + ": " + r.headers());
        assertTrue(r.header("Content-Security-Policy").contains("default-src 'self'"), what + ": " + r.headers());
        assertEquals("no-store", r.header("Cache-Control"), what);
    }

    @Test
    void theTokenIsNeededEverywhereButThePageAndLiveness() throws Exception {
        List<String> open = List.of("/", "/index.html", "/page.css", "/page.js", "/q/health/live");
        List<String> guarded = List.of("/api/v1/progress", "/api/v1/events", "/api/v1/events?after=0&limit=5",
                "/api/v1/log", "/api/v1/log?lines=3", "/q/health", "/q/health/ready", "/q/health/started",
                "/api/v1/progress/", "/API/v1/progress", "/api/v2/progress", "/nothing/here", "/q/health/live/");
        for (String path : open) {
            for (String token : new String[] {null, "wrong", TOKEN}) {
                Reply r = raw("GET", path, token);
                assertEquals(200, r.status(), path + " with " + token);
                assertSecurityHeaders(r, path);
                assertEquals(200, raw("HEAD", path, token).status(), "HEAD " + path);
            }
        }
        assertTrue(raw("GET", "/q/health/live", null).body().contains("UP"));
        for (String path : guarded) {
            for (String token : new String[] {null, "wrong", TOKEN.substring(1), TOKEN + "x"}) {
                Reply r = raw("GET", path, token);
                assertEquals(401, r.status(), path + " with " + token);
                assertEquals("Bearer realm=\"infometis\"", r.header("WWW-Authenticate"));
                assertTrue(Json.MAPPER.readTree(r.body()).has("error"), r.body());
                assertSecurityHeaders(r, "401 " + path);
                assertEquals(401, raw("HEAD", path, token).status(), "HEAD " + path);
            }
        }
        for (String path : List.of("/api/v1/progress", "/api/v1/events?after=0&limit=5", "/api/v1/log?lines=3",
                "/q/health", "/q/health/ready")) {
            Reply r = raw("GET", path, TOKEN);
            assertEquals(200, r.status(), path);
            assertSecurityHeaders(r, path);
        }
        for (String path : List.of("/nothing/here", "/api/v2/progress")) {
            Reply r = raw("GET", path, TOKEN);
            assertEquals(404, r.status(), path);
            assertSecurityHeaders(r, "404 " + path);
        }
    }

    @Test
    void aPathNotInCanonicalFormIsRefusedWithOrWithoutTheToken() throws Exception {
        List<String> variants = List.of("/api;x/v1/progress", "/api/v1;x/progress", "/api/v1/progress;x",
                "/api;/v1/progress", "/;/api/v1/progress", "/api%2Fv1%2Fprogress", "/api%2fv1/progress",
                "/api/v1/%70rogress", "/api/v1/progress%3Bx", "//api/v1/progress", "/api//v1/progress",
                "/api/v1/../v1/progress", "/x/../api/v1/progress", "/./api/v1/progress", "/api/./v1/progress",
                "/api/v1/progress/.", "/%2e%2e/api/v1/progress", "/%2e/api/v1/progress",
                "/q/health/ready;x", "/q/health;x/ready", "/q/health/live;x", "/index.html;x", "/page.js%00",
                "/q/../api/v1/progress", "/q/health/live/../../../api/v1/progress",
                "http://localhost/api;x/v1/progress");
        for (String target : variants) {
            for (String token : new String[] {null, TOKEN}) {
                Reply r = raw("GET", target, token);
                assertEquals(400, r.status(), target + " with " + token + ": " + r.body());
                assertTrue(r.body().contains("canonical"), target + ": " + r.body());
                assertSecurityHeaders(r, "400 " + target);
            }
        }
    }

    @Test
    void aRequestLineHttpCannotParseIsRefusedBeforeAnyRoute() throws Exception {
        // Netty's decoder answers these itself, before any handler: a bare 400 (no security headers; no body).
        for (String target : List.of("/api\\v1\\progress", "/api/v1/progress\\")) {
            assertEquals(400, raw("GET", target, TOKEN).status(), target);
        }
        // A request target without its leading slash never reaches a route either: the router answers 404 itself.
        Reply r = raw("GET", "api/v1/progress", null);
        assertEquals(404, r.status());
        assertTrue(!r.body().contains("phases"), r.body());
    }

    @Test
    void everyMethodButGetAndHeadIs405WithHeaders() throws Exception {
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE")) {
            Reply r = raw(method, "/api/v1/progress", TOKEN);
            assertEquals(405, r.status(), method);
            assertEquals("GET, HEAD", r.header("Allow"));
            assertSecurityHeaders(r, "405 " + method);
        }
    }

    @Test
    void aNonNumericOrOutOfRangeQueryParameterIs400WithAJsonMessage() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("/api/v1/events?after=abc", "after");
        cases.put("/api/v1/events?limit=x", "limit");
        cases.put("/api/v1/events?after=1.5", "after");
        cases.put("/api/v1/events?after=99999999999999999999", "after");
        cases.put("/api/v1/events?after=-1", "after");
        cases.put("/api/v1/events?limit=0", "limit");
        cases.put("/api/v1/events?limit=1001", "limit");
        cases.put("/api/v1/log?lines=x", "lines");
        cases.put("/api/v1/log?lines=-5", "lines");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Reply r = raw("GET", c.getKey(), TOKEN);
            assertEquals(400, r.status(), c.getKey());
            assertTrue(r.header("Content-Type").startsWith("application/json"), r.headers().toString());
            JsonNode body = Json.MAPPER.readTree(r.body());
            assertTrue(body.get("error").asText().startsWith(c.getValue() + " must be"), r.body());
            assertSecurityHeaders(r, "400 " + c.getKey());
        }
        assertEquals(200, raw("GET", "/api/v1/events?after=0&limit=1000", TOKEN).status());
        assertEquals(200, raw("GET", "/api/v1/log?lines=0", TOKEN).status());
    }

    @Test
    void thePageCarriesItsContentSecurityPolicyAsAHeader() throws Exception {
        Reply page = raw("GET", "/", null);
        assertTrue(page.header("Content-Type").startsWith("text/html"), page.headers().toString());
        assertTrue(page.body().contains("token-form"), "the page with its token prompt");
        assertTrue(page.header("Content-Security-Policy").contains("form-action 'none'"));
    }
}
