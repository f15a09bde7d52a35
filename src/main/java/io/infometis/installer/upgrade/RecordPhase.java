package io.infometis.installer.upgrade;

import java.time.Instant;
import java.util.List;

import io.infometis.installer.phase.Phase;
import io.infometis.installer.phase.PhaseContext;

/**
 * The upgrade's last step: keeps the new bundle's bundle.json and manifests, records it as installed with the old
 * one as the rollback target, appends the history, and deletes kept bundles older than that. Idempotent: once the
 * record names the new bundle, a rerun finds it done.
 */
public final class RecordPhase implements Phase {
    private final InstalledState state;
    private final UpgradePlan plan;

    public RecordPhase(InstalledState state, UpgradePlan plan) {
        this.state = state;
        this.plan = plan;
    }

    @Override
    public String name() {
        return "record";
    }

    @Override
    public String title() {
        return "Record the installed bundle";
    }

    @Override
    public List<String> units(PhaseContext ctx) {
        return List.of("record");
    }

    @Override
    public boolean isDone(PhaseContext ctx) {
        return state.read().map(r -> r.current().sameBundle(plan.to().digest())).orElse(false);
    }

    @Override
    public void run(PhaseContext ctx) throws Exception {
        ctx.unitStarted("record");
        state.keep(ctx.bundle().directory(), ctx.bundle().manifest(), plan.to().digest());
        InstalledRecord.Installed now = new InstalledRecord.Installed(plan.to().name(), plan.to().version(),
                plan.to().digest(), plan.to().k0sVersion(), plan.to().images(), plan.to().components(), Instant.now());
        // History first: a crash between the two writes leaves the old record, and the rerun writes both again;
        // the duplicate history line that can cause says the same thing twice rather than losing it.
        state.append(new History.Entry(now.at(), "upgrade", plan.from().label(), now.label(), "succeeded", null));
        state.write(new InstalledRecord(InstalledRecord.FORMAT_VERSION, now, plan.from()));
        state.pruneKept(now.digest(), plan.from().digest());
        ctx.unitDone("record", now.label() + " installed; rollback target " + plan.from().label());
    }

    @Override
    public void dryRun(PhaseContext ctx) {
        ctx.plan("record " + plan.to().label() + " as installed, " + plan.from().label() + " as the rollback target");
    }
}
