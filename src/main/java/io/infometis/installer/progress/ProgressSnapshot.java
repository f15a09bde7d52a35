package io.infometis.installer.progress;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** What {@code GET /api/v1/progress} returns: an immutable copy, safe to serialise from any thread. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProgressSnapshot(
        State state,
        int percent,
        String currentPhase,
        String currentStep,
        boolean dryRun,
        Instant startedAt,
        Instant finishedAt,
        long elapsedSeconds,
        long lastEventSeq,
        List<PhaseView> phases,
        Failure error,
        List<AccessEntry> summary) {

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PhaseView(String name, String title, State state, Instant startedAt, Instant finishedAt,
            String message, Units units) {
    }

    @RegisterForReflection
    public record Units(int done, int total, List<UnitView> items) {
    }

    @RegisterForReflection
    public record UnitView(String name, State state) {
    }

    /** On failure: where, what, and what the operator should do next. */
    @RegisterForReflection
    public record Failure(String phase, String message, String hint) {
    }

    /** One line of the access summary, e.g. ("Grafana", "http://10.0.0.5/grafana"). */
    @RegisterForReflection
    public record AccessEntry(String name, String url) {
    }
}
