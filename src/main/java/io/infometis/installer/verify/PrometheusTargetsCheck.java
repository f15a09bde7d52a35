package io.infometis.installer.verify;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** Every active scrape target is up: what Prometheus does not scrape, no dashboard or alert can see. */
public final class PrometheusTargetsCheck implements DataPathCheck {

    @Override
    public java.util.List<String> needs() {
        return java.util.List.of("prometheus");
    }

    @Override
    public String name() {
        return "prometheus";
    }

    @Override
    public String run(VerifyRun run) throws Exception {
        var uri = run.endpoints().http("prometheus-service", "http").resolve("/api/v1/targets?state=active");
        JsonNode targets = HttpJson.ok(run.http().get(uri), "Prometheus GET /api/v1/targets").json()
                .path("data").path("activeTargets");
        if (targets.isEmpty()) {
            throw new CheckFailed("Prometheus has no active scrape targets", "check its configuration ConfigMap");
        }
        List<String> down = new ArrayList<>();
        for (JsonNode t : targets) {
            if (!"up".equals(t.path("health").asText())) {
                down.add(t.path("labels").path("job").asText("?") + " " + t.path("scrapeUrl").asText() + " ("
                        + t.path("health").asText() + ": " + t.path("lastError").asText("") + ")");
            }
        }
        if (!down.isEmpty()) {
            throw new CheckFailed(down.size() + " of " + targets.size() + " scrape targets not up: "
                    + String.join("; ", down), "check those components' metrics ports and Prometheus's log");
        }
        return targets.size() + " scrape targets up";
    }
}
