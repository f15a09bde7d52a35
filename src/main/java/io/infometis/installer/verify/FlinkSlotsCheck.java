package io.infometis.installer.verify;

import com.fasterxml.jackson.databind.JsonNode;

/** Flink's JobManager sees at least one TaskManager with a free slot, so a job can be submitted. */
public final class FlinkSlotsCheck implements DataPathCheck {

    @Override
    public java.util.List<String> needs() {
        return java.util.List.of("flink");
    }

    @Override
    public String name() {
        return "flink";
    }

    @Override
    public String run(VerifyRun run) throws Exception {
        var uri = run.endpoints().http("flink-jobmanager-service", "rest").resolve("/overview");
        JsonNode o = HttpJson.ok(run.http().get(uri), "Flink GET /overview").json();
        int managers = o.path("taskmanagers").asInt(0);
        int free = o.path("slots-available").asInt(0);
        if (managers < 1) {
            throw new CheckFailed("Flink's JobManager sees no TaskManager",
                    "check the flink-taskmanager pod's log: it must reach flink-jobmanager-service:6123");
        }
        if (free < 1) {
            throw new CheckFailed("Flink has " + managers + " TaskManager(s) but no free slot ("
                    + o.path("slots-total").asInt(0) + " in all)", "cancel idle jobs in the Flink UI");
        }
        return managers + " TaskManager(s), " + free + " of " + o.path("slots-total").asInt(0) + " slots free";
    }
}
