package io.infometis.installer.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import io.infometis.installer.Json;
import io.infometis.installer.cli.InstallerException;

/**
 * A small registry v2 client on the JDK's HTTP client that copies byte for byte: it returns manifests exactly as
 * served and checks every byte against its digest. HTTPS always; plain HTTP only for a registry named by
 * {@code --insecure-registry}, after HTTPS failed to connect. Anonymous Bearer tokens (Docker Hub's flow: 401 with
 * {@code WWW-Authenticate: Bearer realm=…,service=…,scope=…}) are fetched and cached per repository.
 */
public final class RegistryClient {
    private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final HttpClient http;
    private final Set<String> insecure;
    private final Duration probeTimeout;
    private final Map<String, String> scheme = new ConcurrentHashMap<>();
    private final Map<String, String> tokens = new ConcurrentHashMap<>();

    /** A manifest or index as the registry served it. */
    public record Fetched(byte[] body, String mediaType, String digest) {
    }

    public RegistryClient(Set<String> insecureRegistries) {
        this(insecureRegistries, Duration.ofSeconds(20));
    }

    /** An insecure registry gets min(5 s, {@code connectTimeout}) to complete a TLS handshake before plain HTTP. */
    RegistryClient(Set<String> insecureRegistries, Duration connectTimeout) {
        this.probeTimeout = connectTimeout.compareTo(Duration.ofSeconds(5)) < 0 ? connectTimeout : Duration.ofSeconds(5);
        this.insecure = Set.copyOf(insecureRegistries);
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** GET a manifest or index by tag or digest; a digest reference is checked against the bytes. */
    public Fetched manifest(ImageRef ref, String reference) throws IOException {
        HttpResponse<InputStream> r = get(ref, "/manifests/" + reference, OciLayout.ACCEPT);
        byte[] body;
        try (InputStream in = r.body()) {
            body = in.readNBytes(8 << 20);
        }
        String digest = "sha256:" + Digests.sha256(body);
        if (reference.startsWith("sha256:") && !reference.equals(digest)) {
            throw failure(ref, "manifest " + reference + " arrived with digest " + digest);
        }
        String mediaType = r.headers().firstValue("Content-Type").map(s -> s.split(";")[0].trim()).orElse(null);
        JsonNode doc = OciLayout.parse(body);
        return new Fetched(body, OciLayout.mediaTypeOf(doc, mediaType), digest);
    }

    /**
     * Streams a blob to {@code dest} (via a temp file beside it), checking size and sha256; {@code progress}
     * receives byte counts as they arrive.
     */
    public void blob(ImageRef ref, String digest, long size, Path dest, LongConsumer progress) throws IOException {
        Path tmp = Files.createTempFile(dest.getParent(), "." + Digests.hexOf(digest), ".partial");
        try {
            HttpResponse<InputStream> r = get(ref, "/blobs/" + digest, "*/*");
            MessageDigest md = Digests.sha256();
            long total = 0;
            byte[] buf = new byte[1 << 16];
            try (InputStream in = r.body(); OutputStream out = Files.newOutputStream(tmp)) {
                for (int n; (n = in.read(buf)) > 0;) {
                    md.update(buf, 0, n);
                    out.write(buf, 0, n);
                    total += n;
                    if (total > size) {
                        throw failure(ref, "blob " + digest + " is larger than its descriptor's " + size + " bytes");
                    }
                    progress.accept(n);
                }
            }
            String got = "sha256:" + Digests.hex(md.digest());
            if (total != size || !got.equals(digest)) {
                throw failure(ref, "blob " + digest + " arrived as " + got + " (" + total + " of " + size + " bytes)");
            }
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private HttpResponse<InputStream> get(ImageRef ref, String path, String accept) throws IOException {
        String host = ref.apiHost();
        URI uri = URI.create(base(host) + "/v2/" + ref.repository() + path);
        HttpResponse<InputStream> r = send(uri, accept, tokens.get(host + "/" + ref.repository()), host);
        if (r.statusCode() == 401) {
            String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
            r.body().close();
            String token = token(ref, challenge);
            tokens.put(host + "/" + ref.repository(), token);
            r = send(uri, accept, token, host);
        }
        if (r.statusCode() != 200) {
            String msg;
            try (InputStream in = r.body()) {
                msg = new String(in.readNBytes(300), StandardCharsets.UTF_8).replaceAll("\\s+", " ");
            }
            throw failure(ref, "GET " + uri + " answered " + r.statusCode() + " " + msg);
        }
        return r;
    }

    /** Sends a GET, following up to five redirects itself; the token never leaves the registry's host. */
    private HttpResponse<InputStream> send(URI uri, String accept, String token, String registryHost) throws IOException {
        for (int hop = 0; hop < 6; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(30)).header("Accept", accept);
            String authority = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
            if (token != null && authority.equals(registryHost)) {
                b.header("Authorization", "Bearer " + token);
            }
            HttpResponse<InputStream> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            int code = r.statusCode();
            if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) {
                String location = r.headers().firstValue("Location").orElseThrow(() -> new IOException("redirect without Location"));
                r.body().close();
                uri = uri.resolve(location);
                continue;
            }
            return r;
        }
        throw new IOException("too many redirects from " + uri);
    }

    /** https://, or for an insecure registry whichever of https:// and http:// connects first (remembered). */
    private String base(String host) throws IOException {
        String known = scheme.get(host);
        if (known != null) {
            return known + "://" + host;
        }
        if (!insecure.contains(host)) {
            scheme.put(host, "https");
            return "https://" + host;
        }
        // Docker's rule for insecure registries: HTTPS first; whatever stops it (no TLS, a handshake that never
        // completes, a refused connection) means plain HTTP.
        HttpClient probe = HttpClient.newBuilder().connectTimeout(probeTimeout).build();
        try {
            probe.send(HttpRequest.newBuilder(URI.create("https://" + host + "/v2/")).timeout(probeTimeout).build(),
                    HttpResponse.BodyHandlers.discarding());
            scheme.put(host, "https");
        } catch (IOException e) {
            scheme.put(host, "http");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return scheme.get(host) + "://" + host;
    }

    private String token(ImageRef ref, String challenge) throws IOException {
        if (!challenge.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw failure(ref, "registry wants credentials (" + challenge + "); only anonymous pulls are supported");
        }
        Map<String, String> p = new java.util.HashMap<>();
        Matcher m = PARAM.matcher(challenge);
        while (m.find()) {
            p.put(m.group(1), m.group(2));
        }
        String realm = p.get("realm");
        if (realm == null) {
            throw failure(ref, "Bearer challenge without realm: " + challenge);
        }
        String scope = p.getOrDefault("scope", "repository:" + ref.repository() + ":pull");
        StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?")
                .append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        if (p.containsKey("service")) {
            url.append("&service=").append(URLEncoder.encode(p.get("service"), StandardCharsets.UTF_8));
        }
        URI uri = URI.create(url.toString());
        HttpResponse<InputStream> r = send(uri, "application/json", null, "");
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
                throw failure(ref, "token endpoint " + realm + " answered " + r.statusCode());
            }
            JsonNode json = Json.LENIENT.readTree(in.readNBytes(1 << 20));
            JsonNode t = json.hasNonNull("token") ? json.get("token") : json.get("access_token");
            if (t == null) {
                throw failure(ref, "token endpoint " + realm + " returned no token");
            }
            return t.asText();
        }
    }

    private static InstallerException failure(ImageRef ref, String what) {
        return InstallerException.failed("fetching " + ref + ": " + what,
                "check the ref and the registry; for a plain-HTTP registry add --insecure-registry HOST:PORT", null);
    }
}
