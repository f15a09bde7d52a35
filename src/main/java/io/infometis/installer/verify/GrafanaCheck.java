package io.infometis.installer.verify;

import com.fasterxml.jackson.databind.JsonNode;

/** Grafana's provisioned Prometheus datasource answers its health check (Grafana queries Prometheus). */
public final class GrafanaCheck implements DataPathCheck {
    static final String DATASOURCE_UID = "prometheus";
    private final String user;
    private final String password;

    /** Grafana's built-in admin account, which the stack leaves at its default on the cluster-internal port. */
    public GrafanaCheck() {
        this("admin", "admin");
    }

    public GrafanaCheck(String user, String password) {
        this.user = user;
        this.password = password;
    }

    @Override
    public java.util.List<String> needs() {
        return java.util.List.of("grafana", "prometheus");
    }

    @Override
    public String name() {
        return "grafana";
    }

    @Override
    public String run(VerifyRun run) throws Exception {
        var uri = run.endpoints().http("grafana-service", "http")
                .resolve("/api/datasources/uid/" + DATASOURCE_UID + "/health");
        HttpJson.Response r = run.http().get(uri, HttpJson.basicAuth(user, password));
        if (r.status() == 401) {
            throw new CheckFailed("Grafana refused the admin credentials", "the check uses Grafana's admin account; "
                    + "if its password was changed, check the datasource in the UI under Connections");
        }
        // Grafana answers a failed datasource check with 400 and {"status":"ERROR","message":…}.
        JsonNode health = r.status() == 400 ? r.json() : HttpJson.ok(r, "Grafana datasource health").json();
        if (!"OK".equals(health.path("status").asText())) {
            throw new CheckFailed("Grafana's Prometheus datasource is unhealthy: " + health.path("message").asText(),
                    "check that prometheus-service answers inside the cluster");
        }
        return "datasource " + DATASOURCE_UID + ": " + health.path("message").asText("OK");
    }
}
