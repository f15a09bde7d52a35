package io.infometis.installer.k8s;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/** The reload through the API server's service proxy, against expectations for Prometheus' answers. */
@EnableKubernetesMockClient(crud = true)
class PrometheusReloadTest {
    static final String PROXY = "/api/v1/namespaces/infometis/services/prometheus-service:http/proxy/";
    KubernetesMockServer server;
    KubernetesClient client;

    static ConfigMap config() {
        return new ConfigMapBuilder().withNewMetadata().withName("prometheus-config").withNamespace("infometis").endMetadata()
                .addToData("prometheus.yml", "scrape_configs:\n  - job_name: a\n  - job_name: b\n")
                .addToData("rules.yml", "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n").build();
    }

    void prometheusRuns(String yaml) {
        server.expect().post().withPath(PROXY + "-/reload").andReturn(200, "").always();
        server.expect().get().withPath(PROXY + "api/v1/status/config")
                .andReturn(200, Map.of("status", "success", "data", Map.of("yaml", yaml))).always();
        server.expect().get().withPath(PROXY + "api/v1/rules?type=alert").andReturn(200,
                Map.of("data", Map.of("groups", java.util.List.of(Map.of("rules", java.util.List.of(Map.of("name", "Down")))))))
                .always();
    }

    @Test
    void confirmsOncePrometheusRunsTheNewJobsAndRules() throws Exception {
        prometheusRuns("scrape_configs:\n- job_name: a\n- job_name: b\n");
        assertTrue(new PrometheusReload(client, Duration.ofMillis(300), Duration.ofMillis(50))
                .reload(config(), Map.of("app", "prometheus"), "sha256:1"));
    }

    @Test
    void reportsAReloadThatDoesNotTake() throws Exception {
        prometheusRuns("scrape_configs:\n- job_name: a\n");
        assertFalse(new PrometheusReload(client, Duration.ofMillis(300), Duration.ofMillis(50))
                .reload(config(), Map.of("app", "prometheus"), "sha256:1"));
    }
}
