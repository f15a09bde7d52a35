package io.infometis.installer.upgrade;

import java.util.ArrayList;
import java.util.List;

/**
 * The installed bundle, the rollback target and the history as text lines: what {@code infometis installed} prints
 * on the host and {@code infometis status} prints from the API's {@code GET /api/v1/installed}.
 */
public record InstalledReport(InstalledRecord installed, List<History.Entry> history) {
    public InstalledReport {
        history = history == null ? List.of() : List.copyOf(history);
    }

    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        if (installed == null || installed.current() == null) {
            lines.add("installed: nothing yet (no install has finished)");
        } else {
            lines.add("installed: " + installed.current().label() + ", k0s " + installed.current().k0sVersion());
            lines.add("rollback target: " + (installed.previous() == null ? "none" : installed.previous().label()));
        }
        for (History.Entry e : history) {
            lines.add(e.at() + " " + e.action() + " " + (e.from() == null ? "" : e.from() + " → ") + e.to() + ": "
                    + e.outcome() + (e.detail() == null ? "" : " (" + e.detail() + ")"));
        }
        return lines;
    }
}
