package io.infometis.installer.phase.preflight;

import io.infometis.installer.phase.PhaseContext;

/** One host check of the preflight phase, with the remedy an operator needs when it fails. */
public interface PreflightCheck {

    /** Short name, used by {@code --ignore-preflight NAME}. */
    String name();

    CheckResult check(PhaseContext ctx, HostFacts facts) throws Exception;
}
