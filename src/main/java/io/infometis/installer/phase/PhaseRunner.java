package io.infometis.installer.phase;

import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.progress.Progress.PhaseSpec;
import io.infometis.installer.progress.ProgressSnapshot.Failure;
import io.infometis.installer.progress.State;

/**
 * Runs the phases in order: registers all of them (and their units) as Pending, then for each one checks
 * what is already true, runs it (or its dry-run form) under its timeout, and records the outcome in the
 * journal and the progress model in a {@code finally}. Stops at the first failure and after {@code until}.
 */
public final class PhaseRunner {

    /** How a run ended: the final state, the failure when there is one, and the exit code. */
    public record Outcome(State state, Failure failure, int exitCode, boolean alreadyDone) {
    }

    /** How one phase ended; {@code failure} and {@code exitCode} matter only when it did not succeed. */
    private record PhaseResult(State state, Failure failure, int exitCode) {
        static PhaseResult ok(State state) {
            return new PhaseResult(state, null, ExitCodes.DONE);
        }

        static PhaseResult interrupted(String phase) {
            return new PhaseResult(State.INTERRUPTED, interruptedFailure(phase), ExitCodes.INTERRUPTED);
        }

        boolean stopsTheRun() {
            return state == State.FAILED || state == State.INTERRUPTED;
        }
    }

    static final String INTERRUPTED = "install interrupted";
    static final String RESUME_HINT = "rerun the same command to resume";

    /**
     * After a signal the phase gets this long to reach a unit boundary and stop by itself, so the journal records
     * what really finished; the signal hook waits longer than this for the runner.
     */
    public static final Duration CANCEL_GRACE = Duration.ofSeconds(5);

    private final List<Phase> phases;
    private final Duration cancelGrace;
    private volatile Thread worker;
    private volatile PhaseContext running;
    private volatile boolean cancelled;

    public PhaseRunner(List<Phase> phases) {
        this(phases, CANCEL_GRACE);
    }

    /** With another grace than {@link #CANCEL_GRACE}: tests pass zero or a day to see each side of it. */
    public PhaseRunner(List<Phase> phases, Duration cancelGrace) {
        this.phases = List.copyOf(phases);
        this.cancelGrace = cancelGrace;
    }

    public List<Phase> phases() {
        return phases;
    }

    /** The phases up to and including {@code until}; all of them when it is null. Rejects an unknown name. */
    public List<Phase> selected(String until) {
        if (until == null) {
            return phases;
        }
        List<Phase> out = new ArrayList<>();
        for (Phase p : phases) {
            out.add(p);
            if (p.name().equals(until)) {
                return out;
            }
        }
        throw InstallerException.invalidInput("unknown phase '" + until + "' for --until",
                "use one of " + String.join(", ", phases.stream().map(Phase::name).toList()));
    }

    /**
     * SIGINT/SIGTERM: stops at the next unit boundary ({@link PhaseContext#checkCancelled}) or interrupts a
     * blocking call; the current phase ends Interrupted and the journal stays consistent. Safe from any thread.
     */
    public void cancel() {
        cancelled = true;
        PhaseContext ctx = running;
        if (ctx != null) {
            ctx.cancel();
        }
        Thread t = worker;
        if (t != null) {
            t.interrupt();
        }
    }

    public Outcome run(PhaseContext ctx) {
        List<Phase> selected = selected(ctx.options().until());
        running = ctx;
        if (cancelled) {
            ctx.cancel();
        }
        ctx.progress().start(phases.stream().map(p -> new PhaseSpec(p.name(), p.title(), p.weight())).toList(),
                ctx.isDryRun());
        for (Phase p : selected) {
            ctx.enterPhase(p.name());
            ctx.progress().registerUnits(p.name(), unitsOf(p, ctx));
        }
        try {
            ctx.journal().begin(ctx.bundle() == null ? null : ctx.bundle().digest());
            ctx.journal().plan(phases.stream().map(Phase::name).toList());
        } catch (InstallerException e) {
            // No journal, no install; the API still shows why until the linger ends.
            Failure f = new Failure(null, e.getMessage(), e.hint());
            ctx.progress().finish(State.FAILED, f);
            return new Outcome(State.FAILED, f, e.exitCode(), false);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "phase");
            t.setDaemon(true);
            return t;
        });
        int skipped = 0;
        try {
            for (Phase p : selected) {
                if (cancelled) {
                    return finish(ctx, PhaseResult.interrupted(p.name()));
                }
                PhaseResult result = runOne(p, ctx, executor);
                if (result.stopsTheRun()) {
                    return finish(ctx, result);
                }
                if (changedNothing(ctx, p, result.state())) {
                    skipped++;
                }
            }
            for (Phase p : phases.subList(selected.size(), phases.size())) {
                ctx.progress().phaseFinished(p.name(), State.SKIPPED, "after --until " + ctx.options().until());
            }
            Outcome o = finish(ctx, PhaseResult.ok(State.SUCCEEDED));
            return new Outcome(o.state(), null, o.exitCode(), skipped == selected.size() && !ctx.isDryRun());
        } finally {
            executor.shutdownNow();
            running = null;
        }
    }

    private static Failure interruptedFailure(String phase) {
        return new Failure(phase, INTERRUPTED, RESUME_HINT);
    }

    private PhaseResult runOne(Phase p, PhaseContext ctx, ExecutorService executor) {
        ctx.enterPhase(p.name());
        ctx.progress().phaseStarted(p.name());
        ctx.journal().phase(p.name(), State.RUNNING, null);
        PhaseResult result = new PhaseResult(State.FAILED,
                new Failure(p.name(), p.name() + ": ended without an outcome", "rerun with --verbose"), ExitCodes.FAILED);
        Duration timeout = ctx.options().phaseTimeout() != null ? ctx.options().phaseTimeout() : p.timeout();
        Future<State> f = null;
        try {
            f = executor.submit(() -> {
                worker = Thread.currentThread();
                try {
                    if (cancelled) {
                        ctx.checkCancelled();
                    }
                    if (p.isDone(ctx)) {
                        return State.SKIPPED;
                    }
                    if (ctx.isDryRun()) {
                        p.dryRun(ctx);
                    } else {
                        p.run(ctx);
                    }
                    return State.SUCCEEDED;
                } finally {
                    worker = null;
                    // A phase thread is reused by the next phase: never hand it on interrupted.
                    Thread.interrupted();
                }
            });
            State s = await(f, timeout);
            result = PhaseResult.ok(s);
        } catch (TimeoutException e) {
            f.cancel(true);
            String message = p.name() + ": timed out after " + human(timeout);
            result = new PhaseResult(State.FAILED,
                    new Failure(p.name(), message, "look at the events above for the last step; rerun to resume"),
                    ExitCodes.FAILED);
        } catch (ExecutionException e) {
            InstallerException ie = asInstallerException(e.getCause());
            // Once cancelled, whatever the phase threw is the interruption showing (a killed child, a closed channel).
            result = ie.exitCode() == ExitCodes.INTERRUPTED || cancelled
                    ? PhaseResult.interrupted(p.name())
                    : new PhaseResult(State.FAILED, new Failure(p.name(), ie.getMessage(), ie.hint()), ie.exitCode());
        } catch (CancellationException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            result = PhaseResult.interrupted(p.name());
        } finally {
            // Set in a finally: no phase is ever left Running, in the journal or the API.
            result = recordOutcome(p, ctx, result);
        }
        return result;
    }

    private static PhaseResult recordOutcome(Phase p, PhaseContext ctx, PhaseResult result) {
        String message = result.state() == State.SKIPPED ? "already done"
                : result.failure() == null ? null : result.failure().message();
        try {
            ctx.journal().phase(p.name(), result.state(), message);
        } catch (InstallerException e) {
            // A journal that cannot be written ends the install: a rerun could not resume from it.
            result = new PhaseResult(State.FAILED, new Failure(p.name(), e.getMessage(), e.hint()), e.exitCode());
            message = e.getMessage();
        }
        ctx.progress().phaseFinished(p.name(), result.state(), message);
        return result;
    }

    /** A phase that cannot list its units yet registers none; it must not stop the install before it starts. */
    private static List<String> unitsOf(Phase p, PhaseContext ctx) {
        try {
            return p.units(ctx);
        } catch (RuntimeException e) {
            ctx.warn("units of " + p.name() + " are not known yet: " + e.getMessage());
            return List.of();
        }
    }

    /**
     * Waits for the phase under its timeout. Once cancelled, the phase gets the cancel grace to stop by
     * itself; past that it is abandoned (its thread is a daemon) and recorded Interrupted.
     */
    private State await(Future<State> f, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long cancelDeadline = Long.MAX_VALUE;
        while (true) {
            long now = System.nanoTime();
            if (cancelled && cancelDeadline == Long.MAX_VALUE) {
                cancelDeadline = now + Math.min(cancelGrace.toNanos(), Long.MAX_VALUE / 4);
            }
            long until = Math.min(deadline, cancelDeadline);
            if (now >= until) {
                if (now >= cancelDeadline) {
                    f.cancel(true);
                    throw new CancellationException(INTERRUPTED);
                }
                throw new TimeoutException();
            }
            try {
                return f.get(Math.min(until - now, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
            } catch (TimeoutException slice) {
                // Loop: look at the cancel flag again.
            }
        }
    }

    private Outcome finish(PhaseContext ctx, PhaseResult last) {
        try {
            ctx.journal().finish(last.state());
        } catch (InstallerException e) {
            if (last.state() == State.SUCCEEDED) {
                last = new PhaseResult(State.FAILED, new Failure(null, e.getMessage(), e.hint()), e.exitCode());
            }
        }
        ctx.progress().finish(last.state(), last.failure());
        int code = switch (last.state()) {
            case SUCCEEDED -> ExitCodes.DONE;
            case INTERRUPTED -> ExitCodes.INTERRUPTED;
            default -> last.exitCode() != ExitCodes.DONE ? last.exitCode() : ExitCodes.FAILED;
        };
        return new Outcome(last.state(), last.failure(), code, false);
    }

    /**
     * A phase changed nothing when its check skipped it, or when it ran and every one of its units was
     * already done (e.g. every image present): a rerun made only of such phases "does nothing and says so".
     */
    private static boolean changedNothing(PhaseContext ctx, Phase p, State outcome) {
        if (outcome == State.SKIPPED) {
            return true;
        }
        if (outcome != State.SUCCEEDED) {
            return false;
        }
        return ctx.progress().snapshot().phases().stream()
                .filter(v -> v.name().equals(p.name()))
                .anyMatch(v -> v.units() != null && !v.units().items().isEmpty()
                        && v.units().items().stream().allMatch(u -> u.state() == State.SKIPPED));
    }

    static InstallerException asInstallerException(Throwable t) {
        if (t instanceof InstallerException ie) {
            return ie;
        }
        if (t instanceof InterruptedException || t instanceof ClosedByInterruptException) {
            return new InstallerException(INTERRUPTED, RESUME_HINT, ExitCodes.INTERRUPTED);
        }
        if (t.getCause() instanceof InstallerException ie) {
            return ie;
        }
        String what = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return new InstallerException(what, "rerun with --verbose for details; the install resumes on rerun",
                ExitCodes.FAILED, t);
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        return s >= 120 ? (s / 60) + " min" : s + " s";
    }
}
