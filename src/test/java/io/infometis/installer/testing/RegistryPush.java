package io.infometis.installer.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import io.infometis.installer.bundle.Digests;

/** Raw registry v2 pushes (monolithic blob upload, manifest PUT), for content no image tool would write. */
public final class RegistryPush {
    private final RegistryExtension registry;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public RegistryPush(RegistryExtension registry) {
        this.registry = registry;
    }

    /** Uploads a blob and returns its digest. */
    public String blob(String repo, byte[] bytes) throws IOException, InterruptedException {
        String digest = "sha256:" + Digests.sha256(bytes);
        HttpResponse<String> start = http.send(HttpRequest.newBuilder(registry.url("/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        check(start, 202);
        String location = start.headers().firstValue("Location").orElseThrow();
        URI put = registry.url("/").resolve(location + (location.contains("?") ? "&" : "?") + "digest=" + digest);
        check(http.send(HttpRequest.newBuilder(put).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString()), 201);
        return digest;
    }

    /** PUTs a manifest or index under {@code reference} (a tag or its digest) and returns its digest. */
    public String manifest(String repo, String reference, String mediaType, byte[] bytes) throws IOException, InterruptedException {
        check(http.send(HttpRequest.newBuilder(registry.url("/v2/" + repo + "/manifests/" + reference))
                .header("Content-Type", mediaType).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                HttpResponse.BodyHandlers.ofString()), 201);
        return "sha256:" + Digests.sha256(bytes);
    }

    /** The registry's digest for a tag: sha256 of the manifest bytes it serves, checked against Docker-Content-Digest. */
    public String digestOf(String repo, String tag, String accept) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(registry.url("/v2/" + repo + "/manifests/" + tag))
                .header("Accept", accept).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IOException("GET manifest " + repo + ":" + tag + " → " + r.statusCode());
        }
        String digest = "sha256:" + Digests.sha256(r.body());
        String header = r.headers().firstValue("Docker-Content-Digest").orElse(digest);
        if (!header.equals(digest)) {
            throw new IOException("registry says " + header + " but serves " + digest);
        }
        return digest;
    }

    private static void check(HttpResponse<String> r, int expected) throws IOException {
        if (r.statusCode() != expected) {
            throw new IOException(r.request().method() + " " + r.uri() + " → " + r.statusCode() + " " + r.body());
        }
    }
}
