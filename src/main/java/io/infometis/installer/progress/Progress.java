package io.infometis.installer.progress;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.infometis.installer.progress.ProgressSnapshot.AccessEntry;
import io.infometis.installer.progress.ProgressSnapshot.Failure;
import io.infometis.installer.progress.ProgressSnapshot.PhaseView;
import io.infometis.installer.progress.ProgressSnapshot.UnitView;
import io.infometis.installer.progress.ProgressSnapshot.Units;

/**
 * The progress model: one event stream that the console and the HTTP API both render.
 *
 * All work is registered as Pending before it starts, so the percentage is honest from the first second;
 * it is weighted per phase, never goes backwards, and reaches 100 only on success. Methods only, no public
 * fields: a CDI proxy would swallow field writes.
 */
public class Progress {
    static final int MAX_EVENTS = 10_000;
    static final int LOG_TAIL_LINES = 500;

    private final Clock clock;
    private final Map<String, PhaseEntry> phases = new LinkedHashMap<>();
    private final Deque<Event> events = new ArrayDeque<>();
    private final Deque<String> logTail = new ArrayDeque<>();
    private final List<ProgressListener> listeners = new CopyOnWriteArrayList<>();
    private final List<AccessEntry> summary = new ArrayList<>();
    private State state = State.PENDING;
    private boolean dryRun;
    private Instant startedAt;
    private Instant finishedAt;
    private String currentPhase;
    private String currentStep;
    private Failure failure;
    private ProgressSnapshot.BundleTrust bundleTrust;
    private long seq;
    private int percentFloor;
    private volatile ProgressSnapshot cached;
    private volatile long cachedAtNanos;

    public Progress() {
        this(Clock.systemUTC());
    }

    public Progress(Clock clock) {
        this.clock = clock;
    }

    public void addListener(ProgressListener listener) {
        listeners.add(listener);
    }

    /** Starts a run: registers every phase as Pending, in order, with its weight. */
    public void start(List<PhaseSpec> plan, boolean dryRun) {
        synchronized (this) {
            phases.clear();
            for (PhaseSpec p : plan) {
                phases.put(p.name(), new PhaseEntry(p));
            }
            this.dryRun = dryRun;
            state = State.RUNNING;
            startedAt = clock.instant();
            finishedAt = null;
            failure = null;
            currentPhase = null;
            currentStep = null;
            summary.clear();
            percentFloor = 0;
        }
        event(Severity.INFO, null, (dryRun ? "dry run: " : "") + "install started with " + plan.size() + " phases");
    }

    /** Registers the units of a phase as Pending, once they are known (images, volumes, components). */
    public synchronized void registerUnits(String phase, List<String> unitNames) {
        PhaseEntry p = phase(phase);
        for (String u : unitNames) {
            p.units.putIfAbsent(u, State.PENDING);
        }
        invalidate();
    }

    public void phaseStarted(String phase) {
        synchronized (this) {
            PhaseEntry p = phase(phase);
            p.state = State.RUNNING;
            p.startedAt = clock.instant();
            currentPhase = phase;
            currentStep = p.spec.title();
        }
        event(Severity.INFO, phase, "==> " + phase(phase).spec.title());
    }

    /** Ends a phase; called from a {@code finally}, so no phase is ever left Running. */
    public void phaseFinished(String phase, State outcome, String message) {
        synchronized (this) {
            PhaseEntry p = phase(phase);
            p.state = outcome;
            p.finishedAt = clock.instant();
            p.message = message;
            if (outcome == State.SUCCEEDED || outcome == State.SKIPPED) {
                p.units.replaceAll((k, v) -> v.isFinal() ? v : outcome);
            } else {
                p.units.replaceAll((k, v) -> v == State.RUNNING ? outcome : v);
            }
        }
        Severity sev = outcome == State.FAILED ? Severity.ERROR
                : outcome == State.INTERRUPTED ? Severity.WARN : Severity.INFO;
        event(sev, phase, phase + " " + outcome.label().toLowerCase() + (message == null ? "" : ": " + message));
    }

    public void unitStarted(String phase, String unit) {
        synchronized (this) {
            phase(phase).units.put(unit, State.RUNNING);
            currentStep = unit;
        }
        invalidate();
    }

    public void unitFinished(String phase, String unit, State outcome, String message) {
        synchronized (this) {
            phase(phase).units.put(unit, outcome);
        }
        event(outcome == State.FAILED ? Severity.ERROR : Severity.INFO, phase,
                unit + " " + outcome.label().toLowerCase() + (message == null ? "" : ": " + message));
    }

    public void step(String phase, String step) {
        synchronized (this) {
            currentStep = step;
        }
        event(Severity.INFO, phase, step);
    }

    /**
     * Ends the run; the state is set whatever happened, so watchers always see a final state. The final event is
     * appended under the same lock, so a snapshot that shows the final state also counts that event in
     * {@code lastEventSeq}: a watcher that reads events up to it misses nothing.
     */
    public void finish(State outcome, Failure failure) {
        Event e;
        synchronized (this) {
            state = outcome;
            finishedAt = clock.instant();
            this.failure = failure;
            currentStep = null;
            if (outcome == State.SUCCEEDED) {
                percentFloor = 100;
            }
            Severity sev = outcome == State.SUCCEEDED ? Severity.INFO : Severity.ERROR;
            e = append(sev, null, "install " + outcome.label().toLowerCase()
                    + (failure == null ? "" : ": " + failure.message()));
        }
        notifyListeners(e);
    }

    /** The bundle's trust verdict, set once when install opens the bundle (null clears it); kept across {@link #start}. */
    public void setBundleTrust(String status, String message) {
        synchronized (this) {
            bundleTrust = status == null ? null : new ProgressSnapshot.BundleTrust(status, message);
        }
        invalidate();
    }

    public void setSummary(List<AccessEntry> entries) {
        synchronized (this) {
            summary.clear();
            summary.addAll(entries);
        }
        invalidate();
    }

    public void event(Severity severity, String phase, String message) {
        Event e;
        synchronized (this) {
            e = append(severity, phase, message);
        }
        notifyListeners(e);
    }

    /** Appends an event; the caller holds the lock. */
    private Event append(Severity severity, String phase, String message) {
        Event e = new Event(++seq, clock.instant(), severity, phase, message);
        events.addLast(e);
        if (events.size() > MAX_EVENTS) {
            events.removeFirst();
        }
        appendLog(e.time() + " " + severity.label().toUpperCase() + (phase == null ? "" : " [" + phase + "]") + " "
                + message);
        cached = null;
        return e;
    }

    private void notifyListeners(Event e) {
        ProgressSnapshot snap = snapshot();
        for (ProgressListener l : listeners) {
            l.onEvent(e, snap);
        }
    }

    /** Output of a child process or other detail: kept in the log tail, not an event. */
    public synchronized void log(String line) {
        appendLog(line);
    }

    public synchronized List<String> logTail(int lines) {
        List<String> all = new ArrayList<>(logTail);
        return all.subList(Math.max(0, all.size() - Math.max(0, lines)), all.size());
    }

    public synchronized EventPage events(long after, int limit) {
        int max = Math.max(1, Math.min(limit, 1000));
        List<Event> page = new ArrayList<>();
        boolean more = false;
        for (Event e : events) {
            if (e.seq() <= after) {
                continue;
            }
            if (page.size() == max) {
                more = true;
                break;
            }
            page.add(e);
        }
        long next = page.isEmpty() ? Math.max(after, 0) : page.get(page.size() - 1).seq();
        return new EventPage(List.copyOf(page), next, more);
    }

    public ProgressSnapshot snapshot() {
        // Cached between changes (and for at most 250 ms while the clock moves elapsedSeconds), so a busy
        // poller costs a volatile read, not a lock.
        ProgressSnapshot s = cached;
        if (s != null && (s.finishedAt() != null || s.state() == State.PENDING
                || System.nanoTime() - cachedAtNanos < 250_000_000L)) {
            return s;
        }
        synchronized (this) {
            s = buildSnapshot();
            cachedAtNanos = System.nanoTime();
            cached = s;
            return s;
        }
    }

    public synchronized State state() {
        return state;
    }

    private ProgressSnapshot buildSnapshot() {
        List<PhaseView> views = new ArrayList<>();
        double weighted = 0;
        double totalWeight = 0;
        for (PhaseEntry p : phases.values()) {
            List<UnitView> units = new ArrayList<>();
            int done = 0;
            for (Map.Entry<String, State> u : p.units.entrySet()) {
                units.add(new UnitView(u.getKey(), u.getValue()));
                if (u.getValue().isDone()) {
                    done++;
                }
            }
            views.add(new PhaseView(p.spec.name(), p.spec.title(), p.state, p.startedAt, p.finishedAt, p.message,
                    new Units(done, units.size(), List.copyOf(units))));
            totalWeight += p.spec.weight();
            weighted += p.spec.weight() * fraction(p, done);
        }
        int percent = totalWeight == 0 ? 0 : (int) Math.floor(100 * weighted / totalWeight);
        if (state != State.SUCCEEDED) {
            percent = Math.min(percent, 99);
        }
        percentFloor = Math.max(percentFloor, percent);
        Instant now = clock.instant();
        long elapsed = startedAt == null ? 0 : Duration.between(startedAt, finishedAt != null ? finishedAt : now).toSeconds();
        return new ProgressSnapshot(state, percentFloor, currentPhase, currentStep, dryRun, startedAt, finishedAt, elapsed,
                seq, List.copyOf(views), failure, List.copyOf(summary), bundleTrust);
    }

    private static double fraction(PhaseEntry p, int unitsDone) {
        if (p.state.isDone()) {
            return 1;
        }
        if (p.state != State.RUNNING && p.state != State.FAILED && p.state != State.INTERRUPTED) {
            return 0;
        }
        // A running phase without units counts for nothing until it ends; one with units counts them.
        return p.units.isEmpty() ? 0 : (double) unitsDone / p.units.size();
    }

    private PhaseEntry phase(String name) {
        PhaseEntry p = phases.get(name);
        if (p == null) {
            throw new IllegalArgumentException("unknown phase " + name);
        }
        return p;
    }

    private void appendLog(String line) {
        logTail.addLast(line);
        if (logTail.size() > LOG_TAIL_LINES) {
            logTail.removeFirst();
        }
    }

    private synchronized void invalidate() {
        cached = null;
    }

    /** A phase as the progress model knows it before it runs. */
    public record PhaseSpec(String name, String title, double weight) {
    }

    private static final class PhaseEntry {
        final PhaseSpec spec;
        final Map<String, State> units = new LinkedHashMap<>();
        State state = State.PENDING;
        Instant startedAt;
        Instant finishedAt;
        String message;

        PhaseEntry(PhaseSpec spec) {
            this.spec = spec;
        }
    }
}
