package io.infometis.installer.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.ManifestFolders;

/**
 * The monitoring configuration checked by the real tools: Debian's promtool (2.42, installed by .ci/deps.sh)
 * validates prometheus.yml and rules.yml and runs the rule unit tests of src/test/resources/prometheus, which
 * fire every alert on the series that mean trouble and keep it quiet on healthy ones; amtool checks
 * alertmanager.yml. Debian builds Prometheus without the Kubernetes service discovery, so the two jobs that use
 * it (kubelet, cadvisor) are checked with their kubernetes_sd_configs replaced by a static target: their TLS,
 * authorization and relabelling are still checked, the SD block itself only by the image's Prometheus.
 */
class PrometheusRulesTest {
    @TempDir
    Path dir;

    @Test
    void promtoolAcceptsTheConfigurationAndTheRules() throws Exception {
        ConfigMap cm = configMap("prometheus", "prometheus-config");
        String config = cm.getData().get("prometheus.yml");
        String sd = "kubernetes_sd_configs:(\\n\\s+)- role: node";
        assertEquals(2, config.split(sd, -1).length - 1, "the two SD blocks the swap below replaces");
        // The ServiceAccount's token and CA, which the kubelet mounts in the pod, exist here as files too.
        Path sa = Files.createDirectories(dir.resolve("sa"));
        Files.writeString(sa.resolve("token"), "token");
        Files.writeString(sa.resolve("ca.crt"), "");
        String checkable = config.replace("/etc/prometheus/rules.yml", dir.resolve("rules.yml").toString())
                .replace("/var/run/secrets/kubernetes.io/serviceaccount/", sa + "/")
                .replaceAll(sd, "static_configs:$1- targets: ['kubernetes.default.svc:443']");
        Files.writeString(dir.resolve("rules.yml"), cm.getData().get("rules.yml"));
        Files.writeString(dir.resolve("prometheus.yml"), checkable);
        Result r = run("promtool", "check", "config", dir.resolve("prometheus.yml").toString());
        assertEquals(0, r.code, r.output);
        assertTrue(r.output.contains("SUCCESS: 10 rules found"), r.output);
    }

    @Test
    void everyAlertHasARuleUnitTestAndTheyPass() throws Exception {
        ConfigMap cm = configMap("prometheus", "prometheus-config");
        Files.writeString(dir.resolve("rules.yml"), cm.getData().get("rules.yml"));
        Path tests = dir.resolve("rules-test.yml");
        Files.copy(Path.of("src/test/resources/prometheus/rules-test.yml"), tests);
        Result r = run("promtool", "test", "rules", tests.toString());
        assertEquals(0, r.code, r.output);
        assertTrue(r.output.contains("SUCCESS"), r.output);
        Set<String> alerts = PrometheusReload.alerts(cm.getData().get("rules.yml"));
        Set<String> tested = new TreeSet<>();
        for (String line : Files.readAllLines(tests)) {
            if (line.strip().startsWith("alertname:")) {
                tested.add(line.strip().substring("alertname:".length()).strip());
            }
        }
        assertEquals(alerts, tested, "each alert has a unit test");
        assertEquals(Set.of("ComponentDown", "WorkloadUnavailable", "PodRestarting", "KafkaUnderReplicatedPartitions",
                "KafkaOfflinePartitions", "KafkaConsumerLag", "ElasticsearchClusterRed", "ElasticsearchClusterYellow",
                "VolumeFillingUp", "HostDiskFillingUp"), alerts, "the failures operators meet");
    }

    @Test
    void theRuleTestsFailWhenARuleIsWrong() throws Exception {
        ConfigMap cm = configMap("prometheus", "prometheus-config");
        String broken = cm.getData().get("rules.yml").replace("kafka_consumergroup_lag) > 10000",
                "kafka_consumergroup_lag) > 20000");
        assertTrue(!broken.equals(cm.getData().get("rules.yml")));
        Files.writeString(dir.resolve("rules.yml"), broken);
        Files.copy(Path.of("src/test/resources/prometheus/rules-test.yml"), dir.resolve("rules-test.yml"));
        Result r = run("promtool", "test", "rules", dir.resolve("rules-test.yml").toString());
        assertEquals(1, r.code, r.output);
        assertTrue(r.output.contains("alertname: KafkaConsumerLag"), r.output);
    }

    @Test
    void amtoolAcceptsTheAlertmanagerConfiguration() throws Exception {
        Files.writeString(dir.resolve("alertmanager.yml"),
                configMap("alertmanager", "alertmanager-config").getData().get("alertmanager.yml"));
        Result r = run("amtool", "check-config", dir.resolve("alertmanager.yml").toString());
        assertEquals(0, r.code, r.output);
        assertTrue(r.output.contains("SUCCESS"), r.output);
    }

    static ConfigMap configMap(String component, String name) {
        Path bundle = Path.of("bundle");
        for (BundleManifest.Component c : ManifestFolders.components(bundle.resolve("manifests"))) {
            if (c.name().equals(component)) {
                for (HasMetadata o : StackManifests.load(bundle, c).objects()) {
                    if (o instanceof ConfigMap cm && cm.getMetadata().getName().equals(name)) {
                        return cm;
                    }
                }
            }
        }
        throw new AssertionError("no ConfigMap " + name + " in " + component);
    }

    record Result(int code, String output) {
    }

    static Result run(String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(command));
        Path tool = Path.of("/usr/bin", cmd.get(0));
        assertTrue(Files.isExecutable(tool), tool + " is missing: run .ci/deps.sh (Debian's prometheus and "
                + "prometheus-alertmanager packages)");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), String.join(" ", cmd) + " finished");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
