package io.infometis.installer;

/**
 * A failure the operator can act on: what went wrong, what to do next, and the exit code.
 * Thrown anywhere; turned into one {@code ERROR: what — next} line by {@code cli.ErrorHandler}.
 */
public class InstallerException extends RuntimeException {
    private final String hint;
    private final int exitCode;

    public InstallerException(String what, String hint, int exitCode) {
        this(what, hint, exitCode, null);
    }

    public InstallerException(String what, String hint, int exitCode, Throwable cause) {
        super(what, cause);
        this.hint = hint;
        this.exitCode = exitCode;
    }

    public static InstallerException invalidInput(String what, String hint) {
        return new InstallerException(what, hint, ExitCodes.INVALID_INPUT);
    }

    public static InstallerException failed(String what, String hint, Throwable cause) {
        return new InstallerException(what, hint, ExitCodes.FAILED, cause);
    }

    public String hint() {
        return hint;
    }

    public int exitCode() {
        return exitCode;
    }

    /** The one line an operator sees. */
    public String oneLine() {
        return hint == null || hint.isBlank() ? getMessage() : getMessage() + " — " + hint;
    }
}
