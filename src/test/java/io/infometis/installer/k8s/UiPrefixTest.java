package io.infometis.installer.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Prometheus and Alertmanager run for real (Debian's binaries: prometheus 2.42 with its classic UI, alertmanager
 * 0.25 without its web UI) with the web flags of the manifests, behind a proxy that does what Traefik's
 * stripPrefix does for the Ingress path. The page is fetched through the prefix, redirects are followed, and
 * every link, asset and the API path the page's script uses must answer through the same prefix.
 *
 * <p>What this proves: the manifests' flag combination keeps Prometheus' redirects, assets and API calls under
 * /prometheus/ and Alertmanager's links under /alertmanager/. What it does not: the images' own UIs (Prometheus
 * 2.55's React UI, Alertmanager's Elm UI) are not in Debian's builds; both take their paths from the same external
 * URL, but that is read from their code, not run here. Grafana, Flink, NiFi and the REST APIs are checked from the
 * manifests only (StackManifestValidationTest): no real server of theirs is available here.
 */
class UiPrefixTest {
    private static final Pattern LINK = Pattern.compile("(?:src|href)=\"([^\"#]+)\"");
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @Test
    void prometheusServesItsPagesAssetsAndApiUnderItsPrefix() throws Exception {
        List<String> broken = crawl("prometheus", webFlags("prometheus"));
        assertEquals(List.of(), broken);
    }

    @Test
    void withoutTheFlagsPrometheusRedirectsOutOfItsPrefix() throws Exception {
        List<String> broken = crawl("prometheus", List.of());
        assertFalse(broken.isEmpty(), "the check finds the broken redirect the flags fix");
        assertTrue(broken.get(0).contains("leaves /prometheus/"), broken.toString());
    }

    @Test
    void alertmanagerServesItsPageAndLinksUnderItsPrefix() throws Exception {
        assertEquals(List.of(), crawl("alertmanager", webFlags("alertmanager")));
    }

    /** The manifest's --web.* flags, with $(HOST_IP) as the kubelet would substitute it. */
    static List<String> webFlags(String workload) {
        Container c = ((Deployment) all().stream().filter(o -> o instanceof Deployment
                && o.getMetadata().getName().equals(workload)).findFirst().orElseThrow()).getSpec().getTemplate()
                .getSpec().getContainers().get(0);
        return c.getArgs().stream().filter(a -> a.startsWith("--web.")).map(a -> a.replace("$(HOST_IP)", "127.0.0.1"))
                .toList();
    }

    static List<HasMetadata> all() {
        StackManifestValidationTest.load();
        return StackManifestValidationTest.all;
    }

    /** Starts the real server behind a strip-prefix proxy; returns what did not work through the prefix. */
    private List<String> crawl(String app, List<String> flags) throws Exception {
        int backendPort = freePort();
        List<String> cmd = new ArrayList<>();
        if (app.equals("prometheus")) {
            Path config = Files.writeString(dir.resolve("prometheus.yml"), "global:\n  scrape_interval: 30s\n");
            cmd.addAll(List.of("/usr/bin/prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + backendPort));
        } else {
            Path config = Files.writeString(dir.resolve("am.yml"), "route:\n  receiver: operator\nreceivers:\n  - name: operator\n");
            cmd.addAll(List.of("/usr/bin/prometheus-alertmanager", "--config.file=" + config,
                    "--storage.path=" + dir.resolve("am"), "--cluster.listen-address=",
                    "--web.listen-address=127.0.0.1:" + backendPort));
        }
        assertTrue(Files.isExecutable(Path.of(cmd.get(0))), cmd.get(0) + " is missing: run .ci/deps.sh");
        cmd.addAll(flags);
        String prefix = "/" + app;
        Process server = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(app + ".log").toFile())
                .start();
        HttpServer proxy = stripPrefixProxy(prefix, backendPort);
        try {
            String base = "http://127.0.0.1:" + proxy.getAddress().getPort();
            awaitUp("http://127.0.0.1:" + backendPort + "/-/ready", server, dir.resolve(app + ".log"));
            List<String> broken = new ArrayList<>();
            // Traefik's `slash` middleware sends /<app> to /<app>/; the crawl starts there.
            String path = prefix + "/";
            HttpResponse<String> page = null;
            for (int hops = 0; hops < 5; hops++) {
                page = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
                String location = page.headers().firstValue("Location").orElse(null);
                if (page.statusCode() / 100 != 3 || location == null) {
                    break;
                }
                path = URI.create(base + path).resolve(location).getPath();
                if (!path.startsWith(prefix + "/")) {
                    broken.add("redirect to " + location + " leaves " + prefix + "/");
                    return broken;
                }
            }
            if (page.statusCode() != 200) {
                broken.add(path + " answered " + page.statusCode());
                return broken;
            }
            URI pageUri = URI.create(base + path);
            List<String> links = new ArrayList<>();
            Matcher m = LINK.matcher(page.body());
            while (m.find()) {
                links.add(m.group(1));
            }
            Matcher pathPrefix = Pattern.compile("PATH_PREFIX = \"([^\"]*)\"").matcher(page.body());
            if (pathPrefix.find()) {
                links.add(pathPrefix.group(1).replace("\\/", "/") + "/api/v1/query?query=up");
            }
            assertTrue(links.size() >= 3, "the page links somewhere: " + page.body());
            for (String link : links) {
                if (link.startsWith("http") || link.startsWith("mailto:")) {
                    continue;
                }
                URI target = pageUri.resolve(link);
                if (!target.getPath().startsWith(prefix + "/") && !target.getPath().equals(prefix)) {
                    broken.add(link + " leaves " + prefix + "/");
                    continue;
                }
                if (link.contains("-/reload") || link.contains("-/quit")) {
                    continue; // POST-only lifecycle endpoints
                }
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(target).build(), HttpResponse.BodyHandlers.discarding());
                int code = r.statusCode();
                if (code / 100 == 3) { // a redirect must stay under the prefix and lead somewhere
                    URI next = target.resolve(r.headers().firstValue("Location").orElse(""));
                    if (!next.getPath().startsWith(prefix + "/")) {
                        broken.add(link + " redirects to " + next.getPath() + ", which leaves " + prefix + "/");
                        continue;
                    }
                    code = http.send(HttpRequest.newBuilder(next).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                }
                if (code != 200) {
                    broken.add(link + " answered " + code + " through " + prefix);
                }
            }
            return broken;
        } finally {
            proxy.stop(0);
            server.destroy();
            server.waitFor();
        }
    }

    /** What Traefik's stripPrefix does: drop the prefix (an empty rest becomes "/"), tell the back end. */
    private HttpServer stripPrefixProxy(String prefix, int backendPort) throws IOException {
        HttpServer proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        proxy.createContext("/", exchange -> {
            String raw = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            if (!raw.equals(prefix) && !raw.startsWith(prefix + "/")) {
                exchange.sendResponseHeaders(404, -1); // no router matches
                exchange.close();
                return;
            }
            String rest = raw.substring(prefix.length());
            URI target = URI.create("http://127.0.0.1:" + backendPort + (rest.isEmpty() ? "/" : rest)
                    + (query == null ? "" : "?" + query));
            try {
                HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(target)
                        .header("X-Forwarded-Prefix", prefix).build(), HttpResponse.BodyHandlers.ofInputStream());
                r.headers().firstValue("Location").ifPresent(l -> exchange.getResponseHeaders().add("Location", l));
                r.headers().firstValue("Content-Type").ifPresent(l -> exchange.getResponseHeaders().add("Content-Type", l));
                byte[] body = r.body().readAllBytes();
                exchange.sendResponseHeaders(r.statusCode(), body.length == 0 ? -1 : body.length);
                if (body.length > 0) {
                    exchange.getResponseBody().write(body);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.sendResponseHeaders(502, -1);
            } finally {
                exchange.close();
            }
        });
        proxy.start();
        return proxy;
    }

    private void awaitUp(String url, Process server, Path log) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (!server.isAlive()) {
                throw new AssertionError("server exited: " + Files.readString(log));
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new AssertionError("server never answered " + url + ": " + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
