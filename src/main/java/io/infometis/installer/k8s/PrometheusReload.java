package io.infometis.installer.k8s;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Prometheus reloads its configuration and rules on {@code POST /-/reload} (with {@code --web.enable-lifecycle}),
 * so a changed {@code prometheus-config} does not restart it and lose its head block's WAL replay time.
 *
 * <p>The trap: the kubelet refreshes a mounted ConfigMap on its own sync (up to a minute or more later), so a
 * reload right after the update reads the old files. So the running pods are first annotated with the new
 * digest (a pod update makes the kubelet sync that pod, and its ConfigMap volumes, now), then the reload is
 * posted through the API server's service proxy until Prometheus reports the scrape jobs and alert rules of the
 * new files, within a bounded wait. If it never does, the caller warns: Prometheus keeps running, with the
 * previous configuration, until its next reload or restart.
 */
public final class PrometheusReload {
    static final String NAMESPACE = "infometis";
    static final String SERVICE = "prometheus-service:http";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final Duration wait;
    private final Duration interval;

    public PrometheusReload(KubernetesClient client, Duration wait, Duration interval) {
        this.client = client;
        this.wait = wait;
        this.interval = interval;
    }

    /**
     * Reloads Prometheus with the given ConfigMap (its {@code prometheus.yml} and {@code rules.yml}); true once
     * Prometheus runs the new jobs and rules, false if it still did not at the end of the wait.
     */
    public boolean reload(ConfigMap config, Map<String, String> podSelector, String digest) throws InterruptedException {
        Set<String> jobs = jobs(config.getData().get("prometheus.yml"));
        Set<String> alerts = alerts(config.getData().get("rules.yml"));
        for (Pod pod : client.pods().inNamespace(NAMESPACE).withLabels(podSelector).list().getItems()) {
            client.pods().inNamespace(NAMESPACE).withName(pod.getMetadata().getName()).edit(p -> {
                Map<String, String> a = new java.util.HashMap<>(
                        p.getMetadata().getAnnotations() == null ? Map.of() : p.getMetadata().getAnnotations());
                a.put("infometis.io/live-config", digest);
                p.getMetadata().setAnnotations(a);
                return p;
            });
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            try {
                client.raw(proxy("-/reload"), "POST", "");
                if (jobs.equals(loadedJobs()) && alerts.equals(loadedAlerts())) {
                    return true;
                }
            } catch (KubernetesClientException | IllegalStateException notYet) {
                // Prometheus restarting, or refusing a file the kubelet is still writing: try again.
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(interval.toMillis());
        }
    }

    private Set<String> loadedJobs() {
        JsonNode status = json(client.raw(proxy("api/v1/status/config")));
        return jobs(status.path("data").path("yaml").asText(""));
    }

    private Set<String> loadedAlerts() {
        JsonNode rules = json(client.raw(proxy("api/v1/rules?type=alert")));
        Set<String> out = new TreeSet<>();
        rules.path("data").path("groups").forEach(g -> g.path("rules").forEach(r -> out.add(r.path("name").asText())));
        return out;
    }

    public static Set<String> jobs(String prometheusYml) {
        Set<String> out = new TreeSet<>();
        yaml(prometheusYml).path("scrape_configs").forEach(j -> out.add(j.path("job_name").asText()));
        return out;
    }

    public static Set<String> alerts(String rulesYml) {
        Set<String> out = new TreeSet<>();
        yaml(rulesYml).path("groups").forEach(g -> g.path("rules").forEach(r -> {
            if (r.has("alert")) {
                out.add(r.path("alert").asText());
            }
        }));
        return out;
    }

    private String proxy(String path) {
        String base = client.getMasterUrl().toString();
        return (base.endsWith("/") ? base : base + "/") + "api/v1/namespaces/" + NAMESPACE + "/services/" + SERVICE
                + "/proxy/" + path;
    }

    private static JsonNode yaml(String text) {
        try {
            return text == null ? YAML.missingNode() : YAML.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("unreadable Prometheus configuration: " + e.getMessage(), e);
        }
    }

    private static JsonNode json(String text) {
        try {
            return text == null ? JSON.missingNode() : JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("unreadable answer from Prometheus: " + e.getMessage(), e);
        }
    }
}
