package io.infometis.installer.progress.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.infometis.installer.Json;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.install.Installer;
import io.infometis.installer.phase.PhaseRunner.Outcome;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.testing.FakeHost;
import io.infometis.installer.testing.FakePhase;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The progress API over real HTTP, read while a phase runs. */
@QuarkusTest
class ProgressApiTest {
    @Inject
    Progress progress;
    @Inject
    ApiAccess access;
    @TestHTTPResource("/")
    URL base;
    @TempDir
    Path root;

    final HttpClient http = HttpClient.newHttpClient();
    static final String TOKEN = ApiAccess.newToken();

    @BeforeEach
    void requireTheToken() {
        // The bean is shared with the other tests of this Quarkus app; each test here starts from a known token.
        access.requireToken(TOKEN);
    }

    private HttpResponse<String> send(String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "") + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = send("GET", path, TOKEN);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        return Json.MAPPER.readTree(r.body());
    }

    @Test
    void servesPhasesAndEventsWhileAPhaseRuns() throws Exception {
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FakeHost host = new FakeHost();
        CompletableFuture<Outcome> run = CompletableFuture.supplyAsync(() -> new Installer(InstallOptions.under(root), progress)
                .run(List.of(new FakePhase("first", List.of(), host),
                        new FakePhase("images", List.of("kafka", "flink", "grafana"), host).blockingAt("flink", blocked, release),
                        new FakePhase("stack", List.of("kafka"), host)), null));
        assertTrue(blocked.await(10, TimeUnit.SECONDS));

        JsonNode p = get("/api/v1/progress");
        assertEquals("Running", p.get("state").asText());
        assertEquals("images", p.get("currentPhase").asText());
        List<String> names = new ArrayList<>();
        p.get("phases").forEach(ph -> names.add(ph.get("name").asText()));
        assertEquals(List.of("first", "images", "stack"), names);
        JsonNode images = p.get("phases").get(1);
        assertEquals("Fake images", images.get("title").asText());
        assertEquals("Running", images.get("state").asText());
        assertTrue(images.has("startedAt"));
        assertEquals(1, images.get("units").get("done").asInt());
        assertEquals(3, images.get("units").get("total").asInt());
        assertEquals("Pending", p.get("phases").get(2).get("state").asText());
        assertEquals("Succeeded", p.get("phases").get(0).get("state").asText());
        int percentWhileRunning = p.get("percent").asInt();
        assertTrue(percentWhileRunning > 0 && percentWhileRunning < 100, p.toString());
        assertFalse(p.has("error"));

        // Events a page at a time: each page says where to continue, and the pages join up without gaps.
        long last = p.get("lastEventSeq").asLong();
        List<Long> seqs = new ArrayList<>();
        long after = 0;
        JsonNode page;
        do {
            page = get("/api/v1/events?after=" + after + "&limit=2");
            assertTrue(page.get("events").size() <= 2);
            page.get("events").forEach(e -> seqs.add(e.get("seq").asLong()));
            after = page.get("next").asLong();
        } while (page.get("more").asBoolean());
        assertTrue(after >= last);
        for (int i = 1; i < seqs.size(); i++) {
            assertEquals(seqs.get(i - 1) + 1, seqs.get(i), "no gap and no repeat: " + seqs);
        }
        JsonNode e = get("/api/v1/events?after=0&limit=1").get("events").get(0);
        for (String field : List.of("seq", "time", "severity", "message")) {
            assertTrue(e.has(field), field + " in " + e);
        }
        assertTrue(get("/api/v1/log?lines=5").size() <= 5);

        release.countDown();
        run.get(10, TimeUnit.SECONDS);
        JsonNode done = get("/api/v1/progress");
        assertEquals("Succeeded", done.get("state").asText());
        assertEquals(100, done.get("percent").asInt());
        assertTrue(done.has("finishedAt"));
    }

    @Test
    void aFailureIsServedWithItsPhaseMessageAndHint() throws Exception {
        new Installer(InstallOptions.under(root), progress).run(List.of(new FakePhase("images", List.of("kafka"), new FakeHost())
                .failingAt("kafka", io.infometis.installer.InstallerException.failed("importing kafka: digest mismatch",
                        "rebuild the bundle", null))), null);
        JsonNode error = get("/api/v1/progress").get("error");
        assertEquals("images", error.get("phase").asText());
        assertEquals("importing kafka: digest mismatch", error.get("message").asText());
        assertEquals("rebuild the bundle", error.get("hint").asText());
        assertEquals("Failed", get("/api/v1/progress").get("state").asText());
    }

    @Test
    void onlyGetAndHeadAreAllowedAnywhere() throws Exception {
        for (String path : List.of("/api/v1/progress", "/api/v1/events", "/nothing/here", "/q/health/ready")) {
            for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
                HttpResponse<String> r = send(method, path, null);
                assertEquals(405, r.statusCode(), method + " " + path);
                assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElse(""));
            }
        }
        assertEquals(200, send("HEAD", "/api/v1/progress", TOKEN).statusCode());
    }

    @Test
    void openingTheApiServesWithoutAToken() throws Exception {
        access.requireToken(null);
        assertEquals(200, send("GET", "/api/v1/progress", null).statusCode());
        assertEquals(200, send("GET", "/q/health/ready", null).statusCode());
        access.requireToken(TOKEN);
        assertEquals(401, send("GET", "/api/v1/progress", null).statusCode());
        assertFalse(send("GET", "/api/v1/progress", TOKEN).body().contains(TOKEN), "never serves a secret");
    }

    @Test
    void theBundlesTrustVerdictIsServed() throws Exception {
        progress.setBundleTrust("unsigned-allowed", "unsigned, accepted because of --allow-unsigned (trusted key k.pub)");
        try {
            JsonNode trust = get("/api/v1/progress").get("bundleTrust");
            assertEquals("unsigned-allowed", trust.get("status").asText());
            assertTrue(trust.get("message").asText().contains("--allow-unsigned"));
        } finally {
            progress.setBundleTrust(null, null);
        }
        assertFalse(get("/api/v1/progress").has("bundleTrust"), "absent when there is no bundle file");
    }

    @Test
    void healthIsUpAndCarriesTheInstallState() throws Exception {
        JsonNode ready = get("/q/health/ready");
        assertEquals("UP", ready.get("status").asText());
        assertTrue(ready.get("checks").get(0).get("data").has("state"));
        assertEquals("UP", get("/q/health/live").get("status").asText());
    }
}
