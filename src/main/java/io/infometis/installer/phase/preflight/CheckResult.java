package io.infometis.installer.phase.preflight;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The outcome of one check, as saved in {@code preflight.json}. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CheckResult(String name, Status status, String message, String remedy) {

    public enum Status {
        PASS, WARN, FAIL, IGNORED;

        @JsonValue
        public String label() {
            return name().toLowerCase();
        }
    }

    public static CheckResult pass(String name, String message) {
        return new CheckResult(name, Status.PASS, message, null);
    }

    public static CheckResult warn(String name, String message, String remedy) {
        return new CheckResult(name, Status.WARN, message, remedy);
    }

    public static CheckResult fail(String name, String message, String remedy) {
        return new CheckResult(name, Status.FAIL, message, remedy);
    }

    CheckResult ignored() {
        return new CheckResult(name, Status.IGNORED, message + " (ignored by --ignore-preflight " + name + ")", remedy);
    }
}
