package io.infometis.installer.cli;

import picocli.CommandLine.Option;

/** {@code --verbose}, written once; {@link ErrorHandler} reads it from the parse result. */
public class VerboseMixin {
    @Option(names = "--verbose", description = "Print stack traces and debug detail.")
    boolean verbose;

    public boolean verbose() {
        return verbose;
    }
}
