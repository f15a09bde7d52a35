package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The registry protocol details a local docker-registry can't show: Docker Hub's anonymous Bearer flow, and
 * plain HTTP only for a registry named insecure. A JDK HttpServer plays the registry and its token service.
 */
class RegistryClientTest {
    static final byte[] MANIFEST = ("{\"schemaVersion\":2,\"mediaType\":\"" + OciLayout.OCI_MANIFEST
            + "\",\"config\":{\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":1},\"layers\":[]}").getBytes(StandardCharsets.UTF_8);

    HttpServer server;
    String host;
    final AtomicInteger tokenRequests = new AtomicInteger();
    final List<String> tokenQueries = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        host = "127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/token", ex -> {
            tokenRequests.incrementAndGet();
            tokenQueries.add(ex.getRequestURI().getRawQuery());
            reply(ex, 200, "{\"token\":\"tok123\"}".getBytes(StandardCharsets.UTF_8), "application/json");
        });
        server.createContext("/v2/acme/app/manifests/1", ex -> {
            if (!"Bearer tok123".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + host
                        + "/token\",service=\"fake-registry\",scope=\"repository:acme/app:pull\"");
                reply(ex, 401, new byte[0], "application/json");
                return;
            }
            reply(ex, 200, MANIFEST, OciLayout.OCI_MANIFEST);
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void followsTheBearerChallengeOnceAndReusesTheToken() throws Exception {
        RegistryClient client = new RegistryClient(Set.of(host), java.time.Duration.ofMillis(500));
        ImageRef ref = ImageRef.parse(host + "/acme/app:1");
        RegistryClient.Fetched first = client.manifest(ref, "1");
        assertEquals("sha256:" + Digests.sha256(MANIFEST), first.digest());
        assertEquals(OciLayout.OCI_MANIFEST, first.mediaType());
        client.manifest(ref, "1");
        assertEquals(1, tokenRequests.get());
        assertTrue(tokenQueries.get(0).contains("service=fake-registry")
                && tokenQueries.get(0).contains("scope=repository%3Aacme%2Fapp%3Apull"), tokenQueries.get(0));
    }

    @Test
    void neverFallsBackToPlainHttpForARegistryNotNamedInsecure() {
        RegistryClient client = new RegistryClient(Set.of(), java.time.Duration.ofMillis(500));
        assertThrows(IOException.class, () -> client.manifest(ImageRef.parse(host + "/acme/app:1"), "1"));
        assertEquals(0, tokenRequests.get());
    }

    @Test
    void refusesAManifestWhoseBytesDoNotMatchTheRequestedDigest() {
        server.createContext("/v2/acme/app/manifests/sha256:" + "b".repeat(64), ex -> reply(ex, 200, MANIFEST, OciLayout.OCI_MANIFEST));
        RegistryClient client = new RegistryClient(Set.of(host), java.time.Duration.ofMillis(500));
        var e = assertThrows(RuntimeException.class,
                () -> client.manifest(ImageRef.parse(host + "/acme/app:1"), "sha256:" + "b".repeat(64)));
        assertTrue(e.getMessage().contains("arrived with digest"), e.getMessage());
    }

    @Test
    void parsesOnlyFullyQualifiedRefs() {
        assertEquals("registry-1.docker.io", ImageRef.parse("docker.io/library/busybox:1.35").apiHost());
        assertEquals("library/busybox", ImageRef.parse("docker.io/library/busybox:1.35").repository());
        assertThrows(RuntimeException.class, () -> ImageRef.parse("busybox:1.35"));
        assertThrows(RuntimeException.class, () -> ImageRef.parse("library/busybox:1.35"));
        assertThrows(RuntimeException.class, () -> ImageRef.parse("docker.io/library/busybox"));
    }

    static void reply(HttpExchange ex, int code, byte[] body, String type) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
        ex.close();
    }
}
