package io.infometis.installer.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A running installer's events and log, read from its progress API (the same routes {@code status} reads). */
public final class HttpProgressSource implements SupportCollector.ProgressSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public HttpProgressSource(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    @Override
    public String eventsJson() throws IOException {
        return get("/api/v1/events?after=0&limit=10000");
    }

    @Override
    public List<String> logTail() throws IOException {
        return JSON.readValue(get("/api/v1/log?lines=" + SupportCollector.LOG_LINES), new TypeReference<List<String>>() {
        });
    }

    private String get(String path) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException(base + path + " answered HTTP " + r.statusCode());
            }
            return r.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.net.ConnectException e) {
            throw new IOException("nothing answers at " + base);
        }
    }
}
