package io.infometis.installer;

/** The exit codes the README documents; scripts and the ISO's init depend on them, so they never change meaning. */
public final class ExitCodes {
    public static final int DONE = 0;
    public static final int FAILED = 1;
    public static final int INVALID_INPUT = 2;
    public static final int PREFLIGHT_REFUSED = 3;
    public static final int LOCKED = 4;
    public static final int API_UNREACHABLE = 5;
    /** SIGINT/SIGTERM during an install: the journal is consistent and a rerun resumes. */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
