package io.infometis.installer.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.k8s.KubeClients;
import io.infometis.installer.testing.MockCluster;

class SupportCollectorTest {
    @TempDir
    Path root;
    MockCluster cluster;
    HostPaths paths;

    @BeforeEach
    void install() throws IOException {
        cluster = new MockCluster();
        paths = new HostPaths(root, null);
        Files.createDirectories(paths.stateDir());
        Files.writeString(paths.journalFile(), "{\"formatVersion\":1,\"state\":\"FAILED\"}");
        Files.writeString(paths.preflightResults(), "[{\"check\":\"memory\",\"result\":\"warn\"}]");
        try (KubernetesClient c = cluster.client()) {
            c.pods().inNamespace("infometis").resource(new PodBuilder().withNewMetadata().withName("kafka-0")
                    .withNamespace("infometis").endMetadata().withNewSpec().addNewContainer().withName("kafka")
                    .withImage("docker.io/apache/kafka:3.9.0").addNewEnv().withName("KAFKA_SASL_PASSWORD")
                    .withValue("hunter2").endEnv().addNewEnv().withName("KAFKA_NODE_ID").withValue("1").endEnv()
                    .endContainer().endSpec().withNewStatus().withPhase("Running").addNewContainerStatus()
                    .withName("kafka").withReady(false).withRestartCount(3).endContainerStatus().endStatus().build())
                    .create();
            c.pods().inNamespace("infometis").resource(new PodBuilder().withNewMetadata().withName("grafana-1")
                    .withNamespace("infometis").endMetadata().withNewSpec().addNewContainer().withName("grafana")
                    .withImage("docker.io/grafana/grafana:11.3.0").endContainer().endSpec().withNewStatus()
                    .withPhase("Running").addNewContainerStatus().withName("grafana").withReady(true)
                    .withRestartCount(0).endContainerStatus().endStatus().build()).create();
            c.configMaps().inNamespace("infometis").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("nifi-config").withNamespace("infometis").endMetadata()
                    .addToData("nifi.properties", "nifi.web.http.port=8080\nnifi.sensitive.props.key=abc123\n")
                    .build()).create();
        }
        cluster.expect().get().withPath("/api/v1/namespaces/infometis/pods/kafka-0/log?pretty=false&container=kafka&tailLines=500")
                .andReturn(200, "ERROR Exiting Kafka: token=eyJhbGciOi\n").always();
        cluster.expect().get()
                .withPath("/api/v1/namespaces/infometis/pods/kafka-0/log?pretty=false&container=kafka&previous=true&tailLines=500")
                .andReturn(200, "java.lang.OutOfMemoryError: Java heap space\n").always();
    }

    @AfterEach
    void close() {
        cluster.close();
    }

    SupportCollector.ProgressSource events() {
        return new SupportCollector.ProgressSource() {
            @Override
            public String eventsJson() {
                return "{\"events\":[{\"seq\":1,\"message\":\"stack failed: kafka CrashLoopBackOff\"}]}";
            }

            @Override
            public List<String> logTail() {
                return List.of("12:00:01 stack: waiting for kafka", "Authorization: Bearer abc.def.ghi");
            }
        };
    }

    Map<String, String> collect(SupportCollector collector, List<String> missing) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        missing.addAll(collector.writeTo(out, "infometis-support-test"));
        Map<String, String> files = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new GZIPInputStream(new ByteArrayInputStream(out.toByteArray())))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                files.put(e.getName().substring("infometis-support-test/".length()),
                        new String(tar.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return files;
    }

    @Test
    void collectsTheInstallTheHostAndTheClusterWithSecretsRedacted() throws IOException {
        Path kubeconfig = cluster.writeKubeconfig(root.resolve("admin.conf"));
        var collector = new SupportCollector(paths, new K0sCli(paths.k0sBinary(), Duration.ofSeconds(5)),
                KubeClients.fromKubeconfig(kubeconfig), events());
        List<String> missing = new java.util.ArrayList<>();
        Map<String, String> files = collect(collector, missing);

        assertTrue(files.get("installer/journal.json").contains("\"FAILED\""));
        assertTrue(files.get("installer/preflight.json").contains("memory"));
        assertTrue(files.get("installer/events.json").contains("CrashLoopBackOff"));
        assertTrue(files.get("installer/log.txt").contains("Bearer <redacted>"), files.get("installer/log.txt"));
        assertTrue(files.get("host/facts.txt").contains("== /proc/meminfo"));
        String pods = files.get("cluster/infometis/pods.yaml");
        assertTrue(pods.contains("kafka-0") && pods.contains("grafana-1"));
        assertFalse(pods.contains("hunter2"), "the password is redacted: " + pods);
        assertTrue(pods.contains("KAFKA_NODE_ID"), "other settings stay");
        assertEquals("ERROR Exiting Kafka: token=<redacted>\n", files.get("cluster/infometis/logs/kafka-0/kafka.log"));
        assertTrue(files.get("cluster/infometis/logs/kafka-0/kafka.previous.log").contains("OutOfMemoryError"));
        assertFalse(files.containsKey("cluster/infometis/logs/grafana-1/grafana.log"), "a ready, never restarted "
                + "container's log is not collected");
        String cm = files.get("cluster/infometis/configmaps/nifi-config.yaml");
        assertTrue(cm.contains("nifi.web.http.port=8080") && cm.contains("nifi.sensitive.props.key=<redacted>"), cm);
        assertTrue(missing.stream().anyMatch(m -> m.startsWith("k0s/status.json") && m.contains("no k0s binary")),
                missing.toString());
        assertTrue(files.get("MANIFEST.txt").contains("no k0s binary at " + paths.k0sBinary()), files.get("MANIFEST.txt"));
    }

    @Test
    void withTheApiDownItCollectsTheRestAndSaysWhatIsMissing() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Path kubeconfig = root.resolve("down.conf");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "http://127.0.0.1:%d"}}]
                contexts: [{name: c, context: {cluster: c, user: u}}]
                current-context: c
                users: [{name: u, user: {token: t}}]
                """.formatted(closed));
        var collector = new SupportCollector(paths, new K0sCli(paths.k0sBinary(), Duration.ofSeconds(5)),
                KubeClients.fromKubeconfig(kubeconfig), null);
        List<String> missing = new java.util.ArrayList<>();
        Map<String, String> files = collect(collector, missing);

        assertTrue(files.containsKey("installer/journal.json"));
        assertTrue(files.containsKey("host/facts.txt"));
        assertFalse(files.keySet().stream().anyMatch(f -> f.startsWith("cluster/")), files.keySet().toString());
        assertTrue(missing.stream().anyMatch(m -> m.startsWith("cluster/infometis/*: the Kubernetes API did not answer")),
                missing.toString());
        assertTrue(missing.stream().anyMatch(m -> m.startsWith("installer/events.json")), missing.toString());
        assertTrue(files.get("MANIFEST.txt").contains("the Kubernetes API did not answer"));
    }

    @Test
    void aPlantedSymlinkInTheStateDirIsNotFollowed() throws IOException {
        Path secret = root.resolve("shadow");
        Files.writeString(secret, "root:$6$hash");
        Files.delete(paths.journalFile());
        Files.createSymbolicLink(paths.journalFile(), secret);
        var collector = new SupportCollector(paths, new K0sCli(paths.k0sBinary(), Duration.ofSeconds(5)), () -> {
            throw new IllegalStateException("no cluster in this test");
        }, null);
        List<String> missing = new java.util.ArrayList<>();
        Map<String, String> files = collect(collector, missing);

        assertFalse(files.containsKey("installer/journal.json"));
        assertFalse(String.join("", files.values()).contains("$6$hash"));
        assertTrue(missing.stream().anyMatch(m -> m.startsWith("installer/journal.json")), missing.toString());
    }
}
