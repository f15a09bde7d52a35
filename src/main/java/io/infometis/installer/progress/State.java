package io.infometis.installer.progress;

import com.fasterxml.jackson.annotation.JsonValue;

/** The state of the install, of a phase, or of a unit inside a phase. */
public enum State {
    PENDING("Pending"),
    RUNNING("Running"),
    SUCCEEDED("Succeeded"),
    FAILED("Failed"),
    SKIPPED("Skipped"),
    INTERRUPTED("Interrupted");

    private final String label;

    State(String label) {
        this.label = label;
    }

    @JsonValue
    public String label() {
        return label;
    }

    public boolean isFinal() {
        return this != PENDING && this != RUNNING;
    }

    /** Work counted as done for the percentage: it finished well or was already true. */
    public boolean isDone() {
        return this == SUCCEEDED || this == SKIPPED;
    }

    public static State parse(String label) {
        for (State s : values()) {
            if (s.label.equalsIgnoreCase(label) || s.name().equalsIgnoreCase(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown state " + label);
    }
}
