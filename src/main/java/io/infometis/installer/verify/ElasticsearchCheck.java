package io.infometis.installer.verify;

import java.net.URI;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;

/** Indexes this run's document (refreshed at once) and finds it with a search. */
public final class ElasticsearchCheck implements DataPathCheck {
    static final String INDEX = "infometis-verify";

    @Override
    public java.util.List<String> needs() {
        return java.util.List.of("elasticsearch");
    }

    @Override
    public String name() {
        return "elasticsearch";
    }

    @Override
    public String run(VerifyRun run) throws Exception {
        URI base = run.endpoints().http("elasticsearch-service", "http");
        String doc = HttpJson.JSON.createObjectNode().put("run", run.runId()).put("@timestamp", Instant.now().toString())
                .toString();
        JsonNode indexed = HttpJson.ok(run.http().send("PUT",
                base.resolve("/" + INDEX + "/_doc/" + run.runId() + "?refresh=true"), "application/json", doc),
                "indexing into " + INDEX).json();
        String result = indexed.path("result").asText();
        if (!result.equals("created") && !result.equals("updated")) {
            throw new CheckFailed("Elasticsearch did not index the document: " + indexed, "check its log");
        }
        JsonNode found = HttpJson.ok(run.http().get(base.resolve("/" + INDEX + "/_search?q=run:" + run.runId())),
                "searching " + INDEX).json();
        long hits = found.path("hits").path("total").path("value").asLong(0);
        if (hits < 1) {
            throw new CheckFailed("Elasticsearch indexed the document but a search does not find it",
                    "check the cluster health: GET /_cluster/health");
        }
        return "document " + run.runId() + " " + result + " in " + INDEX + " and found by a search";
    }
}
