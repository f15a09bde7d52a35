package io.infometis.installer.testing;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

import io.infometis.installer.InstallerException;
import io.infometis.installer.phase.Phase;
import io.infometis.installer.phase.PhaseContext;

/**
 * A tiny phase for engine tests: works through named units on a {@link FakeHost}, skips units the journal
 * records as done, and checks the host for {@link #isDone}. Optional behaviours: fail at a unit, block at a
 * unit until released, sleep per unit, and a hook called at every unit boundary (to snapshot the journal).
 */
public final class FakePhase implements Phase {
    /** Where the boundary hook is called. */
    public enum Boundary { PHASE_STARTED, UNIT_APPLIED, UNIT_RECORDED }

    public interface BoundaryHook {
        void at(Boundary where, String phase, String unit, PhaseContext ctx);
    }

    private final String name;
    private final List<String> units;
    private final FakeHost host;
    private String failAt;
    private InstallerException failure;
    private String blockAt;
    private CountDownLatch blocked;
    private CountDownLatch release;
    private Duration perUnit = Duration.ZERO;
    private Duration timeout = Duration.ofMinutes(1);
    private BoundaryHook hook = (w, p, u, c) -> {
    };
    private Consumer<PhaseContext> dryRunAction;

    public FakePhase(String name, List<String> units, FakeHost host) {
        this.name = name;
        this.units = List.copyOf(units);
        this.host = host;
    }

    public FakePhase failingAt(String unit, InstallerException e) {
        this.failAt = unit;
        this.failure = e;
        return this;
    }

    /** Blocks (interruptibly) when {@code unit} starts: {@code blocked} counts down, then waits for {@code release}. */
    public FakePhase blockingAt(String unit, CountDownLatch blocked, CountDownLatch release) {
        this.blockAt = unit;
        this.blocked = blocked;
        this.release = release;
        return this;
    }

    public FakePhase sleepingPerUnit(Duration d) {
        this.perUnit = d;
        return this;
    }

    public FakePhase withTimeout(Duration d) {
        this.timeout = d;
        return this;
    }

    public FakePhase onBoundary(BoundaryHook h) {
        this.hook = h;
        return this;
    }

    public FakePhase onDryRun(Consumer<PhaseContext> action) {
        this.dryRunAction = action;
        return this;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String title() {
        return "Fake " + name;
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public List<String> units(PhaseContext ctx) {
        return units;
    }

    @Override
    public boolean isDone(PhaseContext ctx) {
        return units.isEmpty() ? host.has(name, "*") : units.stream().allMatch(u -> host.has(name, u));
    }

    @Override
    public void run(PhaseContext ctx) throws Exception {
        hook.at(Boundary.PHASE_STARTED, name, null, ctx);
        if (units.isEmpty()) {
            host.apply(name, "*");
            return;
        }
        for (String u : units) {
            if (ctx.isUnitDone(u)) {
                ctx.unitSkipped(u, "done by an earlier run");
                continue;
            }
            ctx.unitStarted(u);
            if (u.equals(blockAt)) {
                blocked.countDown();
                release.await();
            }
            if (u.equals(failAt)) {
                throw failure;
            }
            if (!perUnit.isZero()) {
                Thread.sleep(perUnit.toMillis());
            }
            host.apply(name, u);
            hook.at(Boundary.UNIT_APPLIED, name, u, ctx);
            ctx.unitDone(u, "applied");
            hook.at(Boundary.UNIT_RECORDED, name, u, ctx);
        }
    }

    @Override
    public void dryRun(PhaseContext ctx) throws Exception {
        if (dryRunAction != null) {
            dryRunAction.accept(ctx);
        } else {
            Phase.super.dryRun(ctx);
        }
    }
}
