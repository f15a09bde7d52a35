package io.infometis.installer.verify;

import java.net.URI;

import com.fasterxml.jackson.databind.JsonNode;

/** Registers the verification record's Avro schema and reads it back by its id. */
public final class SchemaRegistryCheck implements DataPathCheck {
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    @Override
    public java.util.List<String> needs() {
        return java.util.List.of("schema-registry");
    }

    @Override
    public String name() {
        return "schema-registry";
    }

    @Override
    public String run(VerifyRun run) throws Exception {
        URI base = run.endpoints().http("schema-registry-service", "http");
        String body = HttpJson.JSON.createObjectNode().put("schema", AvroWire.SCHEMA).toString();
        JsonNode registered = HttpJson.ok(run.http().send("POST",
                base.resolve("/subjects/" + AvroWire.SUBJECT + "/versions"), CONTENT_TYPE, body),
                "registering schema " + AvroWire.SUBJECT).json();
        if (!registered.path("id").canConvertToInt()) {
            throw new CheckFailed("Schema Registry returned no schema id: " + registered, "check its log");
        }
        int id = registered.get("id").asInt();
        JsonNode back = HttpJson.ok(run.http().get(base.resolve("/schemas/ids/" + id)), "reading schema " + id).json();
        JsonNode expected = HttpJson.JSON.readTree(AvroWire.SCHEMA);
        if (!expected.equals(HttpJson.JSON.readTree(back.path("schema").asText("{}")))) {
            throw new CheckFailed("schema " + id + " reads back different: " + back.path("schema").asText(),
                    "check Schema Registry's _schemas topic");
        }
        return "schema " + AvroWire.SUBJECT + " registered as id " + id + " and read back";
    }

    /** The id Schema Registry holds for the verification schema under its subject. */
    static int schemaId(VerifyRun run) throws Exception {
        URI base = run.endpoints().http("schema-registry-service", "http");
        String body = HttpJson.JSON.createObjectNode().put("schema", AvroWire.SCHEMA).toString();
        JsonNode found = HttpJson.ok(run.http().send("POST", base.resolve("/subjects/" + AvroWire.SUBJECT),
                CONTENT_TYPE, body), "looking up schema " + AvroWire.SUBJECT).json();
        return found.path("id").asInt(-1);
    }
}
