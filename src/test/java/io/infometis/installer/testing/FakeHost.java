package io.infometis.installer.testing;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The "host" fake phases change: which units are applied, and every application in order (to spot redone work). */
public final class FakeHost {
    private final Set<String> applied = new LinkedHashSet<>();
    private final List<String> log = new ArrayList<>();

    public FakeHost() {
    }

    private FakeHost(Set<String> applied) {
        this.applied.addAll(applied);
    }

    public synchronized void apply(String phase, String unit) {
        applied.add(phase + "/" + unit);
        log.add(phase + "/" + unit);
    }

    public synchronized boolean has(String phase, String unit) {
        return applied.contains(phase + "/" + unit);
    }

    /** Every unit applied so far, whatever run did it. */
    public synchronized Set<String> applied() {
        return Set.copyOf(applied);
    }

    /** The applications made on this host object, in order, including repeats. */
    public synchronized List<String> log() {
        return List.copyOf(log);
    }

    /** The host as it was at this moment, with an empty log: what a rerun after a crash finds. */
    public synchronized FakeHost copy() {
        return new FakeHost(applied);
    }
}
