package io.infometis.installer.phase;

import java.time.Duration;
import java.util.List;

/**
 * One step of the install (k0sctl's contract): a name, a human title, a check of what is already true,
 * the work, its dry-run form and a timeout. Phases are idempotent: running one whose work is done
 * must change nothing.
 */
public interface Phase {

    /** Lower-case name used in the journal, the API and {@code --until}. */
    String name();

    /** A human sentence, e.g. "Import container images into containerd". */
    String title();

    default Duration timeout() {
        return Duration.ofMinutes(15);
    }

    /** Relative share of the overall percentage. */
    default double weight() {
        return 1;
    }

    /**
     * The units this phase will work through (images, volumes, components), registered as Pending before any
     * work starts. Must not fail: return an empty list when they cannot be known yet.
     */
    default List<String> units(PhaseContext ctx) {
        return List.of();
    }

    /** True when everything this phase would do is already true on the host; the phase is then skipped. */
    default boolean isDone(PhaseContext ctx) throws Exception {
        return false;
    }

    void run(PhaseContext ctx) throws Exception;

    /**
     * Describes the work without doing it. The default runs nothing and records the title; phases whose
     * {@link #run} only mutates through {@code ctx.host()} may simply call {@code run(ctx)}, because a dry-run
     * gate records instead of acting.
     */
    default void dryRun(PhaseContext ctx) throws Exception {
        ctx.plan(title());
    }
}
