package io.infometis.installer.progress;

import java.io.PrintWriter;

/**
 * Renders the event stream to the terminal: one plain line per event (k0sctl's {@code ==> Running phase}),
 * errors and warnings marked, debug lines only when verbose.
 */
public final class ConsoleRenderer implements ProgressListener {
    private final PrintWriter out;
    private final boolean verbose;

    public ConsoleRenderer(PrintWriter out, boolean verbose) {
        this.out = out;
        this.verbose = verbose;
    }

    @Override
    public void onEvent(Event event, ProgressSnapshot snapshot) {
        if (event.severity() == Severity.DEBUG && !verbose) {
            return;
        }
        String prefix = switch (event.severity()) {
            case WARN -> "WARN  ";
            case ERROR -> "FAIL  ";
            default -> "";
        };
        String msg = event.message();
        if (msg.startsWith("==> ")) {
            out.println(msg);
        } else {
            out.println("    " + prefix + msg + (msg.startsWith("plan: ") ? "" : "  [" + snapshot.percent() + "%]"));
        }
        out.flush();
    }
}
