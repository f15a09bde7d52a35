package io.infometis.installer.progress.remote;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;

import io.infometis.installer.Json;
import io.infometis.installer.bundle.Grammar;
import io.infometis.installer.progress.Event;
import io.infometis.installer.progress.EventPage;
import io.infometis.installer.progress.ProgressSnapshot;
import io.infometis.installer.progress.ProgressSnapshot.PhaseView;
import io.infometis.installer.progress.State;
import io.infometis.installer.upgrade.InstalledReport;

/**
 * Prints a remote install's progress: once, or following it. On a terminal the phase table is redrawn in place;
 * elsewhere only the lines that changed are printed. Every new event is printed exactly once.
 */
public final class StatusPrinter {
    private final PrintWriter out;
    private final boolean json;
    private final boolean terminal;
    private List<String> lastLines = List.of();
    private int drawnLines;
    private Duration pollInterval = Duration.ofSeconds(1);

    public StatusPrinter(PrintWriter out, boolean json, boolean terminal) {
        this.out = out;
        this.json = json;
        this.terminal = terminal;
    }

    public State once(ProgressClient client, Duration timeout) throws JsonProcessingException {
        ProgressSnapshot s = client.progress(Instant.now().plus(timeout));
        if (json) {
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(s));
        } else {
            render(s).forEach(this::line);
            installed(client, timeout);
        }
        out.flush();
        return s.state();
    }

    /** How often {@link #watch} polls; a second by default. */
    public StatusPrinter pollEvery(Duration interval) {
        this.pollInterval = interval;
        return this;
    }

    /**
     * Follows the install until it reaches a final state. Each round reads the snapshot first and then every
     * event up to it, page by page, so each event is printed exactly once and the final ones are never lost.
     */
    public State watch(ProgressClient client, Duration timeout) throws Exception {
        long after = 0;
        while (true) {
            Instant deadline = Instant.now().plus(timeout);
            ProgressSnapshot s = client.progress(deadline);
            if (s.lastEventSeq() < after) {
                // A new installer process numbers its events from 1 again.
                after = 0;
            }
            List<Event> fresh = new ArrayList<>();
            EventPage page;
            do {
                page = client.events(after, deadline);
                fresh.addAll(page.events());
                after = page.next();
            } while (page.more() && !page.events().isEmpty());
            if (json) {
                for (Event e : fresh) {
                    out.println(Json.MAPPER.writeValueAsString(e));
                }
            } else {
                show(fresh, render(s));
            }
            out.flush();
            if (s.state().isFinal()) {
                if (!json) {
                    installed(client, timeout);
                }
                return s.state();
            }
            Thread.sleep(pollInterval.toMillis());
        }
    }

    private void show(List<Event> events, List<String> table) {
        if (terminal) {
            if (events.isEmpty() && table.equals(lastLines)) {
                return;
            }
            // Move up over the table drawn last time and clear it: events scroll above, the table stays below.
            if (drawnLines > 0) {
                out.print("\033[" + drawnLines + "F\033[J");
            }
            events.forEach(e -> line(eventLine(e)));
            table.forEach(this::line);
            drawnLines = table.size();
        } else {
            events.forEach(e -> line(eventLine(e)));
            for (int i = 0; i < table.size(); i++) {
                if (i >= lastLines.size() || !table.get(i).equals(lastLines.get(i))) {
                    line(table.get(i));
                }
            }
        }
        lastLines = table;
    }

    /** What is installed there and its history (install, upgrades, rollbacks), after the progress. */
    private void installed(ProgressClient client, Duration timeout) {
        InstalledReport report = client.installed(Instant.now().plus(timeout));
        if (report != null) {
            report.lines().forEach(this::line);
        }
        out.flush();
    }

    /**
     * One line of text from the API. It is another machine's data: control characters (a terminal's escape
     * sequences, a newline that would forge a line) are printed as escapes, never sent to the terminal.
     */
    private void line(String text) {
        out.println(Grammar.printable(text));
    }

    static String eventLine(Event e) {
        return e.time() + " " + e.severity().label().toUpperCase() + (e.phase() == null ? "" : " [" + e.phase() + "]")
                + " " + e.message();
    }

    static List<String> render(ProgressSnapshot s) {
        List<String> lines = new ArrayList<>();
        lines.add("install " + s.state().label() + " " + s.percent() + "%"
                + (s.currentPhase() == null || s.state().isFinal() ? "" : " — " + s.currentPhase()
                        + (s.currentStep() == null ? "" : ": " + s.currentStep()))
                + (s.dryRun() ? " (dry run)" : ""));
        if (s.bundleTrust() != null && !s.bundleTrust().status().equals("verified")) {
            lines.add("WARNING: bundle signature " + s.bundleTrust().status() + ": " + s.bundleTrust().message());
        }
        for (PhaseView p : s.phases()) {
            String units = p.units() == null || p.units().total() == 0 ? ""
                    : " " + p.units().done() + "/" + p.units().total();
            lines.add(String.format("  %-10s %-11s%s  %s", p.name(), p.state().label(), units, p.title()));
        }
        if (s.error() != null) {
            lines.add("ERROR: " + s.error().message() + (s.error().hint() == null ? "" : " — " + s.error().hint()));
        }
        if (s.summary() != null) {
            s.summary().forEach(e -> lines.add("  " + e.name() + ": " + e.url()));
        }
        return lines;
    }
}
