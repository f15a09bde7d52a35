package io.infometis.installer.cli;

import java.net.InetAddress;
import java.nio.file.Path;

/** A command that serves the progress API while it changes the host: what {@link EarlyApiChecks} needs of it. */
interface ServesProgress {
    Path root();

    boolean dryRun();

    ProgressApiMixin api();

    /** Every flag that can be judged without the host's state; returns the API's bind address. */
    InetAddress checkFlags();
}
