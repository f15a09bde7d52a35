package io.infometis.installer.verify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The stack's HTTP APIs as JSON: one client, bounded timeouts, a failed status as a {@link CheckFailed}. */
public final class HttpJson {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client;
    private final Duration timeout;

    public HttpJson(Duration timeout) {
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public record Response(int status, String body) {
        public JsonNode json() throws CheckFailed {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new CheckFailed("answer is not JSON: " + firstLine(body), "check the component's log");
            }
        }
    }

    public Response get(URI uri, String... headers) throws CheckFailed, InterruptedException {
        return send(HttpRequest.newBuilder(uri).GET(), uri, headers);
    }

    public Response send(String method, URI uri, String contentType, String body, String... headers)
            throws CheckFailed, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Content-Type", contentType)
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        return send(b, uri, headers);
    }

    public static String[] basicAuth(String user, String password) {
        String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return new String[] { "Authorization", "Basic " + token };
    }

    private Response send(HttpRequest.Builder b, URI uri, String... headers) throws CheckFailed, InterruptedException {
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> r = client.send(b.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new CheckFailed(uri.getHost() + ":" + uri.getPort() + " did not answer (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")",
                    "check that the component's pod is Running and its Service has endpoints");
        }
    }

    /** Requires a 2xx status; otherwise names the call and what the server said. */
    public static Response ok(Response r, String call) throws CheckFailed {
        if (r.status() / 100 != 2) {
            throw new CheckFailed(call + " answered HTTP " + r.status() + ": " + firstLine(r.body()),
                    "check the component's log ('infometis support-bundle' collects it)");
        }
        return r;
    }

    static String firstLine(String s) {
        if (s == null || s.isBlank()) {
            return "(empty)";
        }
        String line = s.strip().lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
