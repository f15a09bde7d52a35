package io.infometis.installer.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.verify.AvroWire;

/**
 * Faithful fakes of the stack's HTTP APIs the verify phase calls, each on its own loopback port, registered in the
 * mock cluster as Services whose cluster IP is 127.0.0.1. Their paths, bodies, status codes and error objects follow
 * each product's REST reference (Schema Registry, ksqlDB, Flink, Elasticsearch, Prometheus, Grafana). The ksqlDB fake
 * is backed by the REAL Kafka broker: its stream needs the topic to exist and the subject to be registered (as
 * ksqlDB's CREATE STREAM does), and its queries consume the topic and decode the Schema Registry wire format, so a
 * record that was never produced is never read back. Where a fake is kinder than the real thing: ksqlDB's push query
 * gives up after 60 s instead of streaming forever (the check's own HTTP timeout fires first in tests).
 */
public final class FakeStackApis implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String kafkaBootstrap;
    private final List<HttpServer> servers = new ArrayList<>();
    private final Map<Integer, String> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Integer> subjects = new ConcurrentHashMap<>();
    private final Map<String, String> streams = new ConcurrentHashMap<>();
    private final Map<String, Map<String, JsonNode>> indices = new ConcurrentHashMap<>();
    private final Map<String, Integer> ports = new ConcurrentHashMap<>();
    /** Test knobs: what Flink, Prometheus and Grafana report. */
    public volatile int flinkTaskManagers = 1;
    public volatile int flinkSlotsFree = 2;
    public final List<String[]> prometheusTargets = new CopyOnWriteArrayList<>();
    public volatile String grafanaDatasourceError;

    public FakeStackApis(String kafkaBootstrap) throws IOException {
        this.kafkaBootstrap = kafkaBootstrap;
        prometheusTargets.add(new String[] { "kafka", "http://10.0.0.5:9308/metrics", "up", "" });
        prometheusTargets.add(new String[] { "flink", "http://10.0.0.6:9249/metrics", "up", "" });
        serve("schema-registry-service", this::schemaRegistry);
        serve("ksqldb-server-service", this::ksqlDb);
        serve("flink-jobmanager-service", this::flink);
        serve("elasticsearch-service", this::elasticsearch);
        serve("prometheus-service", this::prometheus);
        serve("grafana-service", this::grafana);
    }

    /** Registers the Services (cluster IP 127.0.0.1, this fake's port) and a Running Kafka pod at the broker. */
    public void register(KubernetesClient client, int kafkaPort) {
        Map<String, String> portNames = Map.of("flink-jobmanager-service", "rest");
        ports.forEach((service, port) -> client.services().inNamespace("infometis").resource(new ServiceBuilder()
                .withNewMetadata().withName(service).withNamespace("infometis").endMetadata().withNewSpec()
                .withClusterIP("127.0.0.1").addNewPort().withName(portNames.getOrDefault(service, "http"))
                .withPort(port).endPort().endSpec().build()).create());
        client.pods().inNamespace("infometis").resource(new PodBuilder().withNewMetadata().withName("kafka-0")
                .withNamespace("infometis").addToLabels("app.kubernetes.io/name", "kafka").endMetadata()
                .withNewSpec().addNewContainer().withName("kafka").withImage("docker.io/apache/kafka:3.9.0")
                .addNewPort().withName("kafka").withContainerPort(kafkaPort).endPort().endContainer().endSpec()
                .withNewStatus().withPhase("Running").withPodIP("127.0.0.1").endStatus().build()).create();
    }

    /** Stops one fake, as if its pod died: its Service stays, nothing answers. */
    public void stop(String service) {
        for (HttpServer s : servers) {
            if (s.getAddress().getPort() == ports.get(service)) {
                s.stop(0);
            }
        }
    }

    public Map<String, JsonNode> index(String name) {
        return indices.getOrDefault(name, Map.of());
    }

    private interface Handler {
        void handle(HttpExchange x, String path, String body) throws Exception;
    }

    private void serve(String service, Handler h) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", x -> {
            try (x) {
                String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                h.handle(x, x.getRequestURI().getPath(), body);
            } catch (Exception e) {
                send(x, 500, "{\"message\":\"" + e + "\"}");
            }
        });
        s.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        s.start();
        servers.add(s);
        ports.put(service, s.getAddress().getPort());
    }

    // Schema Registry REST: https://docs.confluent.io/platform/current/schema-registry/develop/api.html
    private void schemaRegistry(HttpExchange x, String path, String body) throws Exception {
        Matcher versions = Pattern.compile("/subjects/([^/]+)/versions").matcher(path);
        Matcher lookup = Pattern.compile("/subjects/([^/]+)").matcher(path);
        Matcher byId = Pattern.compile("/schemas/ids/(\\d+)").matcher(path);
        if (x.getRequestMethod().equals("POST") && versions.matches()) {
            String schema = canonicalSchema(body);
            if (schema == null) {
                send(x, 422, "{\"error_code\":42201,\"message\":\"Invalid schema\"}");
                return;
            }
            int id = subjects.computeIfAbsent(versions.group(1) + "|" + schema, k -> {
                int next = schemasById.size() + 1;
                schemasById.put(next, schema);
                return next;
            });
            subjects.put(versions.group(1), id);
            send(x, 200, "{\"id\":" + id + "}");
        } else if (x.getRequestMethod().equals("POST") && lookup.matches()) {
            String schema = canonicalSchema(body);
            Integer id = subjects.get(lookup.group(1) + "|" + schema);
            if (!subjects.containsKey(lookup.group(1))) {
                send(x, 404, "{\"error_code\":40401,\"message\":\"Subject '" + lookup.group(1) + "' not found.\"}");
            } else if (id == null) {
                send(x, 404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");
            } else {
                send(x, 200, JSON.createObjectNode().put("subject", lookup.group(1)).put("version", 1).put("id", id)
                        .put("schema", schema).toString());
            }
        } else if (x.getRequestMethod().equals("GET") && byId.matches()) {
            String schema = schemasById.get(Integer.parseInt(byId.group(1)));
            if (schema == null) {
                send(x, 404, "{\"error_code\":40403,\"message\":\"Schema " + byId.group(1) + " not found\"}");
            } else {
                send(x, 200, JSON.createObjectNode().put("schema", schema).toString());
            }
        } else {
            send(x, 404, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}");
        }
    }

    private static String canonicalSchema(String body) {
        try {
            return JSON.readTree(JSON.readTree(body).path("schema").asText()).toString();
        } catch (IOException e) {
            return null;
        }
    }

    // ksqlDB REST: https://docs.ksqldb.io/en/latest/developer-guide/ksqldb-rest-api/
    private static final Pattern CREATE = Pattern.compile(
            "CREATE STREAM IF NOT EXISTS (\\w+) WITH \\(KAFKA_TOPIC='([^']+)', VALUE_FORMAT='AVRO'\\);");
    private static final Pattern SELECT = Pattern.compile(
            "SELECT RUN, SEQ FROM (\\w+) WHERE RUN = '([a-z0-9-]+)'( EMIT CHANGES LIMIT (\\d+))?;");

    private void ksqlDb(HttpExchange x, String path, String body) throws Exception {
        JsonNode request = JSON.readTree(body);
        if (path.equals("/ksql")) {
            Matcher m = CREATE.matcher(request.path("ksql").asText());
            if (!m.matches()) {
                statementError(x, "line 1:1: Syntax error");
                return;
            }
            if (!topicExists(m.group(2))) {
                statementError(x, "Kafka topic does not exist: " + m.group(2));
                return;
            }
            if (!subjects.containsKey(m.group(2) + "-value")) {
                statementError(x, "Schema for message values on topic '" + m.group(2)
                        + "' does not exist in the Schema Registry.Subject: " + m.group(2) + "-value");
                return;
            }
            streams.put(m.group(1), m.group(2));
            send(x, 200, "[{\"@type\":\"currentStatus\",\"statementText\":\"" + m.group(0).replace("'", "\\u0027")
                    + "\",\"commandStatus\":{\"status\":\"SUCCESS\",\"message\":\"Stream created\"}}]");
        } else if (path.equals("/query-stream")) {
            Matcher m = SELECT.matcher(request.path("sql").asText());
            if (!m.matches()) {
                statementError(x, "line 1:1: Syntax error");
                return;
            }
            String topic = streams.get(m.group(1));
            if (topic == null) {
                statementError(x, m.group(1) + " does not exist.");
                return;
            }
            boolean push = m.group(3) != null;
            int limit = push ? Integer.parseInt(m.group(4)) : Integer.MAX_VALUE;
            boolean earliest = "earliest".equals(request.path("properties").path("auto.offset.reset").asText());
            if (push && !earliest) {
                limit = Integer.MAX_VALUE; // a push query from latest sees only new records: none arrive here
            }
            List<Integer> rows = readRun(topic, m.group(2), limit, push ? Duration.ofSeconds(60) : Duration.ZERO);
            x.getResponseHeaders().set("Content-Type", "application/vnd.ksqlapi.delimited.v1");
            x.sendResponseHeaders(200, 0);
            try (OutputStream out = x.getResponseBody()) {
                out.write(("{\"queryId\":\"q1\",\"columnNames\":[\"RUN\",\"SEQ\"],\"columnTypes\":[\"STRING\","
                        + "\"INTEGER\"]}\n").getBytes(StandardCharsets.UTF_8));
                for (int seq : rows) {
                    out.write(("[\"" + m.group(2) + "\"," + seq + "]\n").getBytes(StandardCharsets.UTF_8));
                }
            }
        } else {
            send(x, 404, "{\"@type\":\"generic_error\",\"error_code\":40400,\"message\":\"Not found\"}");
        }
    }

    private void statementError(HttpExchange x, String message) throws IOException {
        send(x, 400, JSON.createObjectNode().put("@type", "statement_error").put("error_code", 40001)
                .put("message", message).toString());
    }

    private boolean topicExists(String topic) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap);
        try (Admin admin = Admin.create(p)) {
            return admin.listTopics().names().get(20, TimeUnit.SECONDS).contains(topic);
        }
    }

    /** The SEQ of every record of {@code run} in the topic whose schema id Schema Registry knows. */
    private List<Integer> readRun(String topic, String run, int limit, Duration wait) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap);
        List<Integer> seqs = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + wait.toNanos();
            while (seqs.size() < limit) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    Object[] decoded;
                    try {
                        decoded = AvroWireReader.decode(r.value());
                    } catch (RuntimeException notOurs) {
                        continue; // ksqlDB logs a deserialization error and skips the record
                    }
                    if (schemasById.containsKey((Integer) decoded[0]) && run.equals(decoded[1])
                            && seqs.size() < limit) {
                        seqs.add((Integer) decoded[2]);
                    }
                }
                boolean atEnd = parts.stream().allMatch(tp -> c.position(tp) >= end.get(tp));
                if (atEnd && System.nanoTime() >= deadline) {
                    break;
                }
            }
        }
        return seqs;
    }

    // Flink REST: GET /overview (ClusterOverviewWithVersion)
    private void flink(HttpExchange x, String path, String body) throws IOException {
        if (!path.equals("/overview")) {
            send(x, 404, "{\"errors\":[\"Not found: " + path + "\"]}");
            return;
        }
        int total = flinkTaskManagers * 2;
        send(x, 200, JSON.createObjectNode().put("taskmanagers", flinkTaskManagers).put("slots-total", total)
                .put("slots-available", Math.min(total, flinkSlotsFree)).put("jobs-running", 0).put("jobs-finished", 0)
                .put("jobs-cancelled", 0).put("jobs-failed", 0).put("flink-version", "1.20.0").toString());
    }

    // Elasticsearch: PUT /{index}/_doc/{id}, GET /{index}/_search?q=field:value
    private void elasticsearch(HttpExchange x, String path, String body) throws IOException {
        Matcher doc = Pattern.compile("/([a-z0-9-]+)/_doc/([A-Za-z0-9-]+)").matcher(path);
        Matcher search = Pattern.compile("/([a-z0-9-]+)/_search").matcher(path);
        if (x.getRequestMethod().equals("PUT") && doc.matches()) {
            Map<String, JsonNode> index = indices.computeIfAbsent(doc.group(1), k -> new ConcurrentHashMap<>());
            boolean existed = index.put(doc.group(2), JSON.readTree(body)) != null;
            send(x, existed ? 200 : 201, JSON.createObjectNode().put("_index", doc.group(1)).put("_id", doc.group(2))
                    .put("result", existed ? "updated" : "created").toString());
        } else if (x.getRequestMethod().equals("GET") && search.matches()) {
            Map<String, JsonNode> index = indices.get(search.group(1));
            if (index == null) {
                send(x, 404, "{\"error\":{\"type\":\"index_not_found_exception\",\"reason\":\"no such index ["
                        + search.group(1) + "]\"},\"status\":404}");
                return;
            }
            String q = URLDecoder.decode(x.getRequestURI().getRawQuery().replaceFirst("^q=", ""), StandardCharsets.UTF_8);
            String[] fv = q.split(":", 2);
            ArrayNode hits = JSON.createArrayNode();
            index.forEach((id, d) -> {
                if (d.path(fv[0]).asText().equals(fv[1])) {
                    hits.addObject().put("_id", id).set("_source", d);
                }
            });
            ObjectNode r = JSON.createObjectNode();
            r.putObject("hits").set("hits", hits);
            ((ObjectNode) r.get("hits")).putObject("total").put("value", hits.size()).put("relation", "eq");
            send(x, 200, r.toString());
        } else {
            send(x, 405, "{\"error\":\"Incorrect HTTP method\",\"status\":405}");
        }
    }

    // Prometheus HTTP API: GET /api/v1/targets
    private void prometheus(HttpExchange x, String path, String body) throws IOException {
        ObjectNode r = JSON.createObjectNode().put("status", "success");
        ArrayNode active = r.putObject("data").putArray("activeTargets");
        for (String[] t : prometheusTargets) {
            ObjectNode o = active.addObject();
            o.putObject("labels").put("job", t[0]);
            o.put("scrapeUrl", t[1]).put("health", t[2]).put("lastError", t[3]);
        }
        ((ObjectNode) r.get("data")).putArray("droppedTargets");
        send(x, 200, r.toString());
    }

    // Grafana HTTP API: GET /api/datasources/uid/:uid/health (400 with status ERROR when the check fails)
    private void grafana(HttpExchange x, String path, String body) throws IOException {
        String auth = x.getRequestHeaders().getFirst("Authorization");
        String expected = "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(auth)) {
            send(x, 401, "{\"message\":\"Invalid username or password\"}");
        } else if (!path.equals("/api/datasources/uid/prometheus/health")) {
            send(x, 404, "{\"message\":\"Data source not found\"}");
        } else if (grafanaDatasourceError != null) {
            send(x, 400, JSON.createObjectNode().put("status", "ERROR").put("message", grafanaDatasourceError).toString());
        } else {
            send(x, 200, "{\"status\":\"OK\",\"message\":\"Successfully queried the Prometheus API.\"}");
        }
    }

    private static void send(HttpExchange x, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
    }

    @Override
    public void close() {
        servers.forEach(s -> s.stop(0));
    }
}
