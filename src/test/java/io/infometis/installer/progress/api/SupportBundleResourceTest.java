package io.infometis.installer.progress.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import jakarta.inject.Inject;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.host.HostPaths;
import io.infometis.installer.support.InstallLocation;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** {@code GET /api/v1/support-bundle}: behind the token, 503 without an install, the tar.gz of the running one. */
@QuarkusTest
class SupportBundleResourceTest {
    static final String TOKEN = ApiAccess.newToken();
    @Inject
    ApiAccess access;
    @Inject
    InstallLocation location;
    @TestHTTPResource("/")
    URL base;
    @TempDir
    Path root;

    private HttpResponse<byte[]> get(String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "")
                + "/api/v1/support-bundle")).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void servesTheRunningInstallsSupportBundleToTokenHoldersOnly() throws Exception {
        access.requireToken(TOKEN);
        location.set(null);
        assertEquals(503, get(TOKEN).statusCode(), "no install in this process");
        HostPaths paths = HostPaths.of(root);
        Files.createDirectories(paths.stateDir());
        Files.writeString(paths.journalFile(), "{\"state\":\"RUNNING\"}");
        location.set(paths);

        assertEquals(401, get(null).statusCode());
        HttpResponse<byte[]> r = get(TOKEN);
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        assertTrue(r.headers().firstValue("Content-Disposition").orElse("").contains(".tar.gz"));
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(r.body())))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                names.add(e.getName().replaceFirst("^[^/]+/", ""));
            }
        }
        assertTrue(names.containsAll(List.of("installer/journal.json", "installer/events.json", "installer/log.txt",
                "host/facts.txt", "MANIFEST.txt")), names.toString());
        location.set(null);
    }
}
