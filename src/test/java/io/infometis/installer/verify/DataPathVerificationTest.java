package io.infometis.installer.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.testing.AvroWireReader;
import io.infometis.installer.testing.FakeStackApis;
import io.infometis.installer.testing.KafkaBroker;
import io.infometis.installer.testing.MockCluster;

/**
 * The verify phase's checks against a REAL Kafka broker (KRaft, from Maven Central) and faithful fakes of the
 * stack's HTTP APIs, found the way production finds them: Services and the broker pod read from the (mock) API.
 */
class DataPathVerificationTest {
    @TempDir
    static Path brokerDir;
    static KafkaBroker broker;
    MockCluster cluster;
    KubernetesClient client;
    FakeStackApis apis;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start(brokerDir);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void stack() throws Exception {
        cluster = new MockCluster();
        client = cluster.client();
        apis = new FakeStackApis(broker.bootstrap());
        apis.register(client, broker.port());
    }

    @AfterEach
    void close() {
        apis.close();
        client.close();
        cluster.close();
    }

    record Seen(List<String> passed, List<String> failed) implements Verification.Listener {
        Seen() {
            this(new ArrayList<>(), new ArrayList<>());
        }

        @Override
        public void started(String check) {
        }

        @Override
        public void passed(String check, String detail) {
            passed.add(check);
        }

        @Override
        public void failed(String check, String reason) {
            failed.add(check + ": " + reason);
        }
    }

    List<Verification.Failure> verify(String runId, Seen seen) throws InterruptedException {
        VerifyRun run = new VerifyRun(runId, new StackEndpoints(client), new HttpJson(Duration.ofSeconds(20)), 3,
                () -> { });
        return new Verification(DataPathChecks.standard(), 1, 0).run(run, seen);
    }

    @Test
    void passesEveryCheckAndLeavesTheRunsRecordsInKafkaAndItsDocumentInElasticsearch() throws Exception {
        Seen seen = new Seen();
        List<Verification.Failure> failures = verify("run-a", seen);

        assertEquals(List.of(), failures);
        assertEquals(List.of("kafka-topic", "schema-registry", "kafka-produce", "ksqldb-stream", "ksqldb-pull", "flink",
                "elasticsearch", "prometheus", "grafana"), seen.passed());
        List<Object[]> records = recordsOf("run-a");
        assertEquals(3, records.size());
        assertEquals(List.of(0, 1, 2), records.stream().map(r -> (Integer) r[2]).toList());
        assertTrue(apis.index("infometis-verify").containsKey("run-a"), "the run's document is indexed");
    }

    @Test
    void aSecondRunProducesAndReadsBackOnlyItsOwnRecords() throws Exception {
        assertEquals(List.of(), verify("run-b1", new Seen()));
        assertEquals(List.of(), verify("run-b2", new Seen()));
        assertEquals(3, recordsOf("run-b1").size());
        assertEquals(3, recordsOf("run-b2").size());
    }

    @Test
    void flinkWithoutATaskManagerFailsOnlyTheFlinkCheckAndSaysWhy() throws Exception {
        apis.flinkTaskManagers = 0;
        Seen seen = new Seen();
        List<Verification.Failure> failures = verify("run-c", seen);

        assertEquals(1, failures.size());
        assertEquals("flink", failures.get(0).check());
        assertTrue(failures.get(0).reason().contains("no TaskManager"), failures.get(0).reason());
        assertTrue(failures.get(0).next().contains("flink-taskmanager"), failures.get(0).next());
        assertEquals(8, seen.passed().size());
    }

    @Test
    void namesTheScrapeTargetsThatAreDown() throws Exception {
        apis.prometheusTargets.add(new String[] { "elasticsearch", "http://10.0.0.7:9114/metrics", "down",
                "connection refused" });
        List<Verification.Failure> failures = verify("run-d", new Seen());

        assertEquals(List.of("prometheus"), failures.stream().map(Verification.Failure::check).toList());
        assertTrue(failures.get(0).reason().startsWith("1 of 3 scrape targets not up: elasticsearch"),
                failures.get(0).reason());
        assertTrue(failures.get(0).reason().contains("connection refused"), failures.get(0).reason());
    }

    @Test
    void grafanaWithAnUnhealthyDatasourceFailsWithGrafanasMessage() throws Exception {
        apis.grafanaDatasourceError = "Post \"http://prometheus-service:9090/api/v1/query\": dial tcp: i/o timeout";
        List<Verification.Failure> failures = verify("run-e", new Seen());

        assertEquals(List.of("grafana"), failures.stream().map(Verification.Failure::check).toList());
        assertTrue(failures.get(0).reason().contains("i/o timeout"), failures.get(0).reason());
    }

    @Test
    void withSchemaRegistryDownNothingIsProducedAndKsqlDbCannotReadTheRun() throws Exception {
        apis.stop("schema-registry-service");
        List<Verification.Failure> failures = verify("run-f", new Seen());

        assertEquals(List.of("schema-registry", "kafka-produce", "ksqldb-stream", "ksqldb-pull"),
                failures.stream().map(Verification.Failure::check).toList());
        assertTrue(failures.get(0).reason().contains("did not answer"), failures.get(0).reason());
        assertEquals(0, recordsOf("run-f").size(), "no record of the run reached Kafka");
    }

    @Test
    void withoutARunningBrokerPodTheKafkaChecksNameIt() throws Exception {
        client.pods().inNamespace("infometis").withName("kafka-0").delete();
        List<Verification.Failure> failures = verify("run-g", new Seen());

        assertEquals("kafka-topic", failures.get(0).check());
        assertTrue(failures.get(0).reason().contains("no running Kafka broker pod"), failures.get(0).reason());
        assertEquals(List.of("kafka-topic", "kafka-produce", "ksqldb-stream", "ksqldb-pull"),
                failures.stream().map(Verification.Failure::check).toList());
    }

    @Test
    void theVerifyPhaseFailsNamingTheFirstFailedCheckAndRecordsEveryUnit(@TempDir Path tmp) throws Exception {
        apis.flinkTaskManagers = 0;
        var phase = new io.infometis.installer.phase.VerifyPhase(cluster::client,
                new Verification(DataPathChecks.standard(), 1, 0), Duration.ofSeconds(20));
        var progress = new io.infometis.installer.progress.Progress();
        var journal = io.infometis.installer.install.Journal.open(tmp.resolve("state/journal.json"), false);
        var ctx = new io.infometis.installer.phase.PhaseContext(
                io.infometis.installer.install.InstallOptions.under(tmp),
                new io.infometis.installer.host.HostPaths(tmp, tmp.resolve("state")),
                new io.infometis.installer.host.HostGate(false, null), journal, progress, bundleOf("kafka",
                        "schema-registry", "flink", "ksqldb", "elasticsearch", "prometheus", "grafana", "nifi"));
        var outcome = new io.infometis.installer.phase.PhaseRunner(List.of(phase)).run(ctx);

        assertEquals(io.infometis.installer.progress.State.FAILED, outcome.state());
        assertTrue(outcome.failure().message().contains("1 of 9 data-path checks failed, first flink"),
                outcome.failure().message());
        assertEquals(io.infometis.installer.progress.State.FAILED, journal.unit("verify", "flink").state());
        assertEquals(io.infometis.installer.progress.State.SUCCEEDED, journal.unit("verify", "ksqldb-pull").state());
        assertTrue(journal.unit("verify", "kafka-produce").detail().startsWith("3 records acknowledged"));
    }

    @Test
    void onlyTheChecksOfTheBundlesComponentsRun() {
        var all = new Verification(DataPathChecks.standard(), 1, 0);
        assertEquals(List.of("flink", "elasticsearch"), all.forComponents(List.of("flink", "elasticsearch", "nifi"))
                .names());
        assertEquals(List.of("kafka-topic", "schema-registry", "kafka-produce"),
                all.forComponents(List.of("kafka", "schema-registry")).names());
        assertEquals(List.of(), all.forComponents(List.of("demo")).names());
    }

    static io.infometis.installer.bundle.InstallBundle bundleOf(String... components) {
        var manifest = new io.infometis.installer.bundle.BundleManifest(1, "t", "1", null, "linux/amd64", null, null,
                java.util.Arrays.stream(components)
                        .map(c -> new io.infometis.installer.bundle.BundleManifest.Component(c, 0, List.of())).toList(),
                null, null);
        return new io.infometis.installer.bundle.InstallBundle() {
            public io.infometis.installer.bundle.BundleManifest manifest() {
                return manifest;
            }

            public String digest() {
                return "sha256:test";
            }

            public boolean hasFiles() {
                return false;
            }

            public Path directory() {
                throw new UnsupportedOperationException();
            }
        };
    }

    @Test
    void theWireFormatRoundTrips() {
        Object[] decoded = AvroWireReader.decode(AvroWire.encode(7, "run-h", 300));
        assertEquals(7, decoded[0]);
        assertEquals("run-h", decoded[1]);
        assertEquals(300, decoded[2]);
    }

    /** [schemaId, run, seq] of every record of {@code run} in the verification topic, read with a real consumer. */
    static List<Object[]> recordsOf(String run) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        List<Object[]> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            if (c.listTopics().get(KafkaTopicCheck.TOPIC) == null) {
                return out;
            }
            List<TopicPartition> parts = c.partitionsFor(KafkaTopicCheck.TOPIC).stream()
                    .map(i -> new TopicPartition(KafkaTopicCheck.TOPIC, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            var end = c.endOffsets(parts);
            while (!parts.stream().allMatch(tp -> c.position(tp) >= end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    Object[] d = AvroWireReader.decode(r.value());
                    if (run.equals(d[1])) {
                        out.add(d);
                    }
                }
            }
        }
        return out;
    }
}
