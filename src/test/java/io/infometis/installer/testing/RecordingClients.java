package io.infometis.installer.testing;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.infometis.installer.Json;

/**
 * Clients for the mock API server that log every request they send, in one shared log, as
 * {@code create Kind/name}, {@code update Kind/name}, {@code ready name} (a status write) or {@code GET path}.
 * The mock server consumes request bodies, so the log is kept on the client side.
 */
public final class RecordingClients {
    private final KubernetesClient template;
    private final List<String> log = new ArrayList<>();

    public RecordingClients(KubernetesClient mockClient) {
        this.template = mockClient;
    }

    public KubernetesClient newClient() {
        return new KubernetesClientBuilder().withConfig(template.getConfiguration())
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("record", new Interceptor() {
                    @Override
                    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
                        record(request);
                    }
                })).build();
    }

    /** The requests since the last call. */
    public synchronized List<String> drain() {
        List<String> out = List.copyOf(log);
        log.clear();
        return out;
    }

    private synchronized void record(HttpRequest r) {
        String path = r.uri().getPath();
        String method = r.method();
        if (method.equals("PUT") && path.endsWith("/status")) {
            String[] parts = path.split("/");
            log.add("ready " + parts[parts.length - 2]);
        } else if (method.equals("POST") || method.equals("PUT")) {
            try {
                JsonNode body = Json.MAPPER.readTree(r.bodyString());
                if (body == null || !body.has("kind") || !body.has("metadata")) {
                    log.add(method + " " + path); // not an object write: a service-proxy call such as /-/reload
                    return;
                }
                log.add((method.equals("POST") ? "create " : "update ") + body.get("kind").asText() + "/"
                        + body.get("metadata").get("name").asText());
            } catch (Exception e) {
                throw new IllegalStateException(method + " " + path + ": unreadable body", e);
            }
        } else {
            log.add(method + " " + path);
        }
    }
}
