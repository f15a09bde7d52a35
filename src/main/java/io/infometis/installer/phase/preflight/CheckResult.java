package io.infometis.installer.phase.preflight;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.phase.PhaseContext;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The outcome of one check, as saved in {@code preflight.json}; {@code exitCode} is what a refusal by it exits with
 * (not saved).
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CheckResult(String name, Status status, String message, String remedy, @JsonIgnore int exitCode) {

    public enum Status {
        PASS, WARN, FAIL, IGNORED;

        @JsonValue
        public String label() {
            return name().toLowerCase();
        }
    }

    public static CheckResult pass(String name, String message) {
        return new CheckResult(name, Status.PASS, message, null, ExitCodes.DONE);
    }

    public static CheckResult warn(String name, String message, String remedy) {
        return new CheckResult(name, Status.WARN, message, remedy, ExitCodes.DONE);
    }

    /** The host is unfit for the install (memory, kernel, cgroups...). */
    public static CheckResult fail(String name, String message, String remedy) {
        return new CheckResult(name, Status.FAIL, message, remedy, ExitCodes.PREFLIGHT_REFUSED);
    }

    /**
     * What the operator fixes as they fix bad input, a full disk or a taken port: the refusal exits as bad input
     * does.
     */
    public static CheckResult failAsBadInput(String name, String message, String remedy) {
        return new CheckResult(name, Status.FAIL, message, remedy, ExitCodes.INVALID_INPUT);
    }

    /**
     * A fact of the machine k0s would run on (kernel, firewall, processes) that stops a real install. Under a
     * {@code --root} other than {@code /} the install is a sandbox whose k0s is not this host's, so the same fact
     * is reported as a warning: it is still read from the real host and still saved with its remedy.
     */
    public static CheckResult hostFail(PhaseContext ctx, String name, String message, String remedy) {
        return ctx.paths().isHostRoot() ? fail(name, message, remedy)
                : warn(name, message + " (a real install on this host would stop here; under --root "
                        + ctx.paths().root() + " it only warns)", remedy);
    }

    CheckResult ignored() {
        return new CheckResult(name, Status.IGNORED, message + " (ignored by --ignore-preflight " + name + ")", remedy,
                ExitCodes.DONE);
    }
}
