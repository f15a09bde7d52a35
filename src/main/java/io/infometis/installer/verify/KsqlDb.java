package io.infometis.installer.verify;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * ksqlDB's REST API as the verification uses it: {@code POST /ksql} for a statement and {@code POST /query-stream}
 * (delimited: a header object, then one JSON array per row) for a push or pull query.
 */
final class KsqlDb {
    static final String STREAM = "INFOMETIS_VERIFY";
    private final VerifyRun run;
    private final URI base;

    KsqlDb(VerifyRun run) throws CheckFailed {
        this.run = run;
        this.base = run.endpoints().http("ksqldb-server-service", "http");
    }

    /** Declares the stream over the verification topic; ksqlDB takes its columns from Schema Registry. */
    void declareStream() throws Exception {
        ObjectNode body = HttpJson.JSON.createObjectNode().put("ksql", "CREATE STREAM IF NOT EXISTS " + STREAM
                + " WITH (KAFKA_TOPIC='" + KafkaTopicCheck.TOPIC + "', VALUE_FORMAT='AVRO');");
        body.putObject("streamsProperties");
        HttpJson.ok(run.http().send("POST", base.resolve("/ksql"), "application/vnd.ksql.v1+json", body.toString(),
                "Accept", "application/vnd.ksql.v1+json"), "ksqlDB CREATE STREAM " + STREAM);
    }

    /** The {@code SEQ} column of every row the query returns, in order. */
    List<Integer> seqs(String sql, boolean fromEarliest) throws Exception {
        ObjectNode body = HttpJson.JSON.createObjectNode().put("sql", sql);
        ObjectNode props = body.putObject("properties");
        if (fromEarliest) {
            props.put("auto.offset.reset", "earliest");
        }
        HttpJson.Response r = HttpJson.ok(run.http().send("POST", base.resolve("/query-stream"), "application/json",
                body.toString(), "Accept", "application/vnd.ksqlapi.delimited.v1"), "ksqlDB query " + sql);
        List<String> lines = r.body().lines().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) {
            throw new CheckFailed("ksqlDB answered the query with nothing", "check ksqlDB's log");
        }
        JsonNode header = HttpJson.JSON.readTree(lines.get(0));
        int seqColumn = -1;
        for (int i = 0; i < header.path("columnNames").size(); i++) {
            if ("SEQ".equals(header.path("columnNames").get(i).asText())) {
                seqColumn = i;
            }
        }
        if (seqColumn < 0) {
            throw new CheckFailed("ksqlDB's answer has no SEQ column: " + HttpJson.firstLine(lines.get(0)),
                    "check the stream's schema with DESCRIBE " + STREAM);
        }
        List<Integer> seqs = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            JsonNode row = HttpJson.JSON.readTree(line);
            if (!row.isArray()) {
                throw new CheckFailed("ksqlDB's query ended with: " + HttpJson.firstLine(line), "check ksqlDB's log");
            }
            seqs.add(row.get(seqColumn).asInt());
        }
        return seqs;
    }

    static void expectAll(List<Integer> seqs, int records, String what) throws CheckFailed {
        List<Integer> expected = java.util.stream.IntStream.range(0, records).boxed().toList();
        if (!seqs.stream().sorted().toList().equals(expected)) {
            throw new CheckFailed(what + " read back sequence numbers " + seqs + ", expected " + expected,
                    "check that ksqlDB reaches Kafka and Schema Registry (its log names the failure)");
        }
    }
}
