package io.infometis.installer;

/** The exit codes the README documents; scripts and the ISO's init depend on them, so they never change meaning. */
public final class ExitCodes {
    public static final int DONE = 0;
    public static final int FAILED = 1;
    /**
     * Bad input, and what an operator fixes like bad input before a rerun: a wrong flag or file, a hostile bundle,
     * a taken port, a full disk, a second installer.
     */
    public static final int INVALID_INPUT = 2;
    /** Preflight found the host unfit (memory, kernel, cgroups...): the message names the check and its remedy. */
    public static final int PREFLIGHT_REFUSED = 3;
    /** Another installer holds the lock: bad input like a taken port, so the same code. */
    public static final int LOCKED = INVALID_INPUT;
    /** No space left on a device, found before or during a write. */
    public static final int NO_SPACE = INVALID_INPUT;
    public static final int API_UNREACHABLE = 5;
    /** SIGINT/SIGTERM during an install: the journal is consistent and a rerun resumes. */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
