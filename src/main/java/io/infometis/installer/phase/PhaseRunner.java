package io.infometis.installer.phase;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.infometis.installer.cli.ExitCodes;
import io.infometis.installer.cli.InstallerException;
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
    public record Outcome(State state, Failure failure, int exitCode, boolean nothingToDo) {
    }

    private final List<Phase> phases;
    private volatile Future<?> current;
    private volatile PhaseContext running;
    private volatile boolean cancelled;

    public PhaseRunner(List<Phase> phases) {
        this.phases = List.copyOf(phases);
    }

    public List<Phase> phases() {
        return phases;
    }

    /** The phases up to and including {@code until}; all of them when it is null. */
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

    /** SIGINT/SIGTERM: marks the current phase interrupted; the journal stays consistent. */
    public void cancel() {
        cancelled = true;
        PhaseContext ctx = running;
        if (ctx != null) {
            ctx.cancel();
        }
        Future<?> f = current;
        if (f != null) {
            f.cancel(true);
        }
    }

    public Outcome run(PhaseContext ctx) {
        List<Phase> selected = selected(ctx.options().until());
        running = ctx;
        ctx.progress().start(phases.stream().map(p -> new PhaseSpec(p.name(), p.title(), p.weight())).toList(),
                ctx.isDryRun());
        for (Phase p : selected) {
            ctx.enterPhase(p.name());
            ctx.progress().registerUnits(p.name(), p.units(ctx));
        }
        ctx.journal().begin(ctx.bundle() == null ? null : ctx.bundle().digest());
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "phase");
            t.setDaemon(true);
            return t;
        });
        int skipped = 0;
        try {
            for (Phase p : selected) {
                if (cancelled) {
                    return finish(ctx, State.INTERRUPTED, interrupted(p.name()));
                }
                Failure failure = runOne(p, ctx, executor);
                if (failure != null) {
                    State s = failure.message().equals(INTERRUPTED) ? State.INTERRUPTED : State.FAILED;
                    return finish(ctx, s, failure);
                }
                if (ctx.progress().snapshot().phases().stream()
                        .anyMatch(v -> v.name().equals(p.name()) && v.state() == State.SKIPPED)) {
                    skipped++;
                }
            }
            for (Phase p : phases.subList(selected.size(), phases.size())) {
                ctx.progress().phaseFinished(p.name(), State.SKIPPED, "after --until " + ctx.options().until());
            }
            Outcome o = finish(ctx, State.SUCCEEDED, null);
            return new Outcome(o.state(), null, o.exitCode(), skipped == selected.size() && !ctx.isDryRun());
        } finally {
            executor.shutdownNow();
            running = null;
        }
    }

    private static final String INTERRUPTED = "install interrupted";

    private static Failure interrupted(String phase) {
        return new Failure(phase, INTERRUPTED, "rerun the same command to resume");
    }

    private int exitCodeOf;

    private Failure runOne(Phase p, PhaseContext ctx, ExecutorService executor) {
        ctx.enterPhase(p.name());
        ctx.progress().phaseStarted(p.name());
        ctx.journal().phase(p.name(), State.RUNNING, null);
        State outcome = State.FAILED;
        String message = null;
        Failure failure = null;
        Duration timeout = ctx.options().phaseTimeout() != null ? ctx.options().phaseTimeout() : p.timeout();
        try {
            Future<State> f = executor.submit(() -> {
                if (p.isDone(ctx)) {
                    return State.SKIPPED;
                }
                if (ctx.isDryRun()) {
                    p.dryRun(ctx);
                } else {
                    p.run(ctx);
                }
                return State.SUCCEEDED;
            });
            current = f;
            if (cancelled) {
                f.cancel(true);
            }
            outcome = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            message = outcome == State.SKIPPED ? "already done" : null;
        } catch (TimeoutException e) {
            current.cancel(true);
            message = "timed out after " + human(timeout);
            failure = new Failure(p.name(), p.name() + ": " + message,
                    "look at the events above for the last step; rerun to resume");
            exitCodeOf = ExitCodes.FAILED;
        } catch (ExecutionException e) {
            InstallerException ie = asInstallerException(e.getCause());
            if (ie.exitCode() == ExitCodes.INTERRUPTED) {
                outcome = State.INTERRUPTED;
                failure = interrupted(p.name());
            } else {
                failure = new Failure(p.name(), ie.getMessage(), ie.hint());
            }
            message = ie.getMessage();
            exitCodeOf = ie.exitCode();
        } catch (java.util.concurrent.CancellationException | InterruptedException e) {
            outcome = State.INTERRUPTED;
            message = INTERRUPTED;
            failure = interrupted(p.name());
            exitCodeOf = ExitCodes.INTERRUPTED;
        } finally {
            current = null;
            // Set in a finally: no phase is ever left Running, in the journal or the API.
            ctx.journal().phase(p.name(), outcome, message);
            ctx.progress().phaseFinished(p.name(), outcome, message);
        }
        return failure;
    }

    private Outcome finish(PhaseContext ctx, State state, Failure failure) {
        ctx.journal().finish(state);
        ctx.progress().finish(state, failure);
        int code = state == State.SUCCEEDED ? ExitCodes.DONE
                : state == State.INTERRUPTED ? ExitCodes.INTERRUPTED
                : exitCodeOf != 0 ? exitCodeOf : ExitCodes.FAILED;
        return new Outcome(state, failure, code, false);
    }

    static InstallerException asInstallerException(Throwable t) {
        if (t instanceof InstallerException ie) {
            return ie;
        }
        if (t instanceof InterruptedException || t instanceof java.nio.channels.ClosedByInterruptException) {
            return new InstallerException(INTERRUPTED, "rerun the same command to resume", ExitCodes.INTERRUPTED);
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
