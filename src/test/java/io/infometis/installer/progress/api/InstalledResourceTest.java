package io.infometis.installer.progress.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.infometis.installer.Json;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.support.InstallLocation;
import io.infometis.installer.upgrade.History;
import io.infometis.installer.upgrade.InstalledRecord;
import io.infometis.installer.upgrade.InstalledState;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class InstalledResourceTest {
    static final String TOKEN = ApiAccess.newToken();
    @Inject
    InstallLocation location;
    @Inject
    ApiAccess access;
    @TestHTTPResource("/")
    URL base;
    @TempDir
    Path dir;

    private HttpResponse<String> send(String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "") + "/api/v1/installed"))
                .GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get() throws Exception {
        HttpResponse<String> r = send(TOKEN);
        assertEquals(200, r.statusCode(), r.body());
        return Json.MAPPER.readTree(r.body());
    }

    @Test
    void servesTheInstalledBundleAndTheHistory() throws Exception {
        access.requireToken(TOKEN);
        location.set(new HostPaths(dir, dir));
        assertEquals(401, send(null).statusCode(), "the route is behind the token like every other");
        assertTrue(get().get("installed").isNull(), "nothing installed yet");
        InstalledState state = new InstalledState(dir, new HostGate(false, a -> {
        }));
        InstalledRecord.Installed v1 = new InstalledRecord.Installed("infometis", "1.0.0", "sha256:" + "a".repeat(64),
                "v1.33.4+k0s.0", List.of(), Map.of("base", "sha256:" + "b".repeat(64)), Instant.EPOCH);
        state.write(new InstalledRecord(InstalledRecord.FORMAT_VERSION, v1, null));
        state.append(new History.Entry(Instant.EPOCH, "install", null, v1.label(), "succeeded", null));

        JsonNode doc = get();
        assertEquals("1.0.0", doc.at("/installed/current/version").asText(), doc.toString());
        assertEquals("v1.33.4+k0s.0", doc.at("/installed/current/k0sVersion").asText());
        assertEquals("install", doc.at("/history/0/action").asText(), doc.toString());
        assertEquals("infometis 1.0.0 (sha256:aaaaaaaaaaaa)", doc.at("/history/0/to").asText());
    }
}
