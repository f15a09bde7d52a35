package io.infometis.installer.cli;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.phase.PhaseRunner;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

import picocli.CommandLine;

/**
 * The one place a failure becomes output: a single {@code ERROR: <what> — <what to do next>} line and a named
 * exit code. The stack trace is printed only under {@code --verbose}.
 */
public final class ErrorHandler implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        InstallerException failure = toInstallerException(ex);
        PrintWriter err = cmd.getErr();
        err.println("ERROR: " + oneLine(failure.oneLine()));
        if (isVerbose(parseResult)) {
            ex.printStackTrace(err);
        }
        err.flush();
        return failure.exitCode();
    }

    @Override
    public int handleParseException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        // picocli appends a failed conversion's exception ("(java.net.URISyntaxException: ...)"): keep its words only.
        String message = oneLine(ex.getMessage()).replaceAll("\\((?:[a-z]\\w*\\.)+\\w*(?:Exception|Error): ", "(");
        err.println("ERROR: " + message + " — see '" + cmd.getCommandSpec().qualifiedName() + " --help'");
        err.flush();
        return ExitCodes.INVALID_INPUT;
    }

    /** A run that ended without success ({@code install}, {@code upgrade}, {@code rollback}): its one ERROR line. */
    static void printFailure(PrintWriter err, String command, PhaseRunner.Outcome outcome) {
        var f = outcome.failure();
        err.println("ERROR: " + (f == null ? command + " " + outcome.state().label().toLowerCase()
                : f.message() + (f.hint() == null ? "" : " — " + f.hint())));
        err.flush();
    }

    /** Whatever a message holds (picocli lists, a file's bytes), the operator gets one line. */
    static String oneLine(String message) {
        if (message == null) {
            return "failed";
        }
        return message.strip().replaceAll("\\s*[\\r\\n]+\\s*", "; ");
    }

    static InstallerException toInstallerException(Throwable ex) {
        if (ex instanceof InstallerException ie) {
            return ie;
        }
        Throwable cause = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        if (cause instanceof NoSuchFileException nsf) {
            return InstallerException.invalidInput("file not found: " + nsf.getFile(), "check the path");
        }
        if (cause instanceof AccessDeniedException ade) {
            return new InstallerException("permission denied: " + ade.getFile(), "run as root or use --root DIR",
                    ExitCodes.FAILED, ex);
        }
        if (io.infometis.installer.NoSpace.is(cause)) {
            String file = cause instanceof java.nio.file.FileSystemException fse && fse.getFile() != null ? " " + fse.getFile() : "";
            return new InstallerException("no space left on the device" + file, "free space (df -h) and rerun",
                    ExitCodes.FAILED, ex);
        }
        String what = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new InstallerException(what, "rerun with --verbose for details", ExitCodes.FAILED, ex);
    }

    private static boolean isVerbose(CommandLine.ParseResult parseResult) {
        for (CommandLine.ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
            if (pr.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }
}
