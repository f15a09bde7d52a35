package io.infometis.installer.progress.remote;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;

import io.infometis.installer.Json;
import io.infometis.installer.progress.Event;
import io.infometis.installer.progress.EventPage;
import io.infometis.installer.progress.ProgressSnapshot;
import io.infometis.installer.progress.ProgressSnapshot.PhaseView;
import io.infometis.installer.progress.State;

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
            render(s).forEach(out::println);
        }
        out.flush();
        return s.state();
    }

    public State watch(ProgressClient client, Duration timeout) throws Exception {
        long after = 0;
        while (true) {
            Instant deadline = Instant.now().plus(timeout);
            EventPage page = client.events(after, deadline);
            ProgressSnapshot s = client.progress(deadline);
            if (json) {
                for (Event e : page.events()) {
                    out.println(Json.MAPPER.writeValueAsString(e));
                }
            } else {
                for (Event e : page.events()) {
                    if (terminal && drawnLines > 0) {
                        out.print("\033[" + drawnLines + "F\033[J");
                        drawnLines = 0;
                    }
                    out.println(e.time() + " " + e.severity().label().toUpperCase() + " " + e.message());
                }
                draw(render(s));
            }
            out.flush();
            after = page.next();
            if (s.state().isFinal() && !page.more()) {
                return s.state();
            }
            if (!page.more()) {
                Thread.sleep(1000);
            }
        }
    }

    private void draw(List<String> lines) {
        if (terminal) {
            if (drawnLines > 0) {
                out.print("\033[" + drawnLines + "F\033[J");
            }
            lines.forEach(out::println);
            drawnLines = lines.size();
        } else {
            for (int i = 0; i < lines.size(); i++) {
                if (i >= lastLines.size() || !lines.get(i).equals(lastLines.get(i))) {
                    out.println(lines.get(i));
                }
            }
        }
        lastLines = lines;
    }

    static List<String> render(ProgressSnapshot s) {
        List<String> lines = new ArrayList<>();
        lines.add("install " + s.state().label() + " " + s.percent() + "%"
                + (s.currentPhase() == null || s.state().isFinal() ? "" : " — " + s.currentPhase()
                        + (s.currentStep() == null ? "" : ": " + s.currentStep()))
                + (s.dryRun() ? " (dry run)" : ""));
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
