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
        List<AccessEntry> summary,
        BundleTrust bundleTrust) {

    /** Without the bundle's trust verdict: what the model had before the trust policy (and what tests build). */
    public ProgressSnapshot(State state, int percent, String currentPhase, String currentStep, boolean dryRun,
            Instant startedAt, Instant finishedAt, long elapsedSeconds, long lastEventSeq, List<PhaseView> phases,
            Failure error, List<AccessEntry> summary) {
        this(state, percent, currentPhase, currentStep, dryRun, startedAt, finishedAt, elapsedSeconds, lastEventSeq,
                phases, error, summary, null);
    }

    /**
     * What the trust policy decided about the bundle: {@code status} is verified, unsigned-allowed,
     * bad-signature-allowed or not-checked; absent when there is no bundle file (a dry run from the spec).
     */
    @RegisterForReflection
    public record BundleTrust(String status, String message) {
    }

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
