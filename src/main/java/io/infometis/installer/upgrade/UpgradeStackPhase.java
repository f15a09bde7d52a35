package io.infometis.installer.upgrade;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.k8s.PersistentVolumes;
import io.infometis.installer.k8s.Readiness;
import io.infometis.installer.k8s.StackApplier;
import io.infometis.installer.k8s.StackManifests;
import io.infometis.installer.phase.Phase;
import io.infometis.installer.phase.PhaseContext;

/**
 * Applies only the components whose manifests changed, in the new bundle's order, and waits for each with the
 * stack's readiness. Objects the new bundle dropped from a changed component are deleted (never claims or PVs).
 * When a component does not come up, every component this run applied is put back to the installed bundle's
 * manifests, newest first ({@link Rollback}), and the phase fails with "rolled back": the old version runs.
 */
public final class UpgradeStackPhase implements Phase {
    private final Supplier<KubernetesClient> clients;
    private final UpgradePlan plan;
    private final InstalledState state;
    private final Function<String, Duration> componentTimeout;
    private final Duration pollInterval;
    private final Duration pullGrace;

    public UpgradeStackPhase(Supplier<KubernetesClient> clients, UpgradePlan plan, InstalledState state,
            Function<String, Duration> componentTimeout, Duration pollInterval, Duration pullGrace) {
        this.clients = clients;
        this.plan = plan;
        this.state = state;
        this.componentTimeout = componentTimeout;
        this.pollInterval = pollInterval;
        this.pullGrace = pullGrace;
    }

    @Override
    public String name() {
        return "stack";
    }

    @Override
    public String title() {
        return "Apply the components that changed and wait until each is ready";
    }

    @Override
    public Duration timeout() {
        return Duration.ofMinutes(150);
    }

    @Override
    public double weight() {
        return 5;
    }

    @Override
    public List<String> units(PhaseContext ctx) {
        List<String> units = new ArrayList<>(List.of("persistent-volumes"));
        units.addAll(plan.changedComponents());
        return units;
    }

    @Override
    public void run(PhaseContext ctx) throws Exception {
        Path newDir = ctx.bundle().directory();
        Path oldDir = state.keptBundle(plan.from().digest());
        Map<String, BundleManifest.Component> newComponents = byName(InstalledState.components(ctx.bundle().manifest(), newDir));
        Map<String, BundleManifest.Component> oldComponents = byName(
                InstalledState.components(state.keptManifest(plan.from().digest()), oldDir));
        try (KubernetesClient client = clients.get()) {
            StackApplier applier = new StackApplier(client);
            Readiness readiness = new Readiness(client, pollInterval, pullGrace, ctx::checkCancelled);
            applyNewVolumes(ctx, client);
            List<ManifestDiff> applied = new ArrayList<>();
            for (ManifestDiff diff : plan.changed()) {
                String name = diff.component();
                if (ctx.isUnitDone(name)) {
                    ctx.unitSkipped(name, "done earlier");
                    applied.add(diff);
                    continue;
                }
                ctx.unitStarted(name);
                applied.add(diff);
                StackManifests.Loaded c = StackManifests.load(newDir, newComponents.get(name));
                try {
                    int written = 0;
                    for (HasMetadata o : c.objects()) {
                        StackApplier.Result r = applier.apply(o);
                        written += r == StackApplier.Result.CREATED || r == StackApplier.Result.UPDATED ? 1 : 0;
                    }
                    int deleted = deleteDropped(ctx, client, diff);
                    ctx.step("waiting for " + name + " (" + written + " objects written, " + deleted + " deleted)");
                    readiness.await(name, c.objects(), componentTimeout.apply(name));
                    ctx.unitDone(name, "upgraded, " + written + " of " + c.objects().size() + " objects written, manifests "
                            + c.digest());
                } catch (InstallerException e) {
                    if (e.exitCode() == ExitCodes.INTERRUPTED) {
                        throw e; // a signal: the rerun resumes, nothing is rolled back
                    }
                    throw rolledBack(ctx, client, readiness, applied, oldDir, oldComponents, name, e);
                } catch (KubernetesClientException e) {
                    throw rolledBack(ctx, client, readiness, applied, oldDir, oldComponents, name,
                            new InstallerException("applying " + name + ": " + e.getMessage(), null, ExitCodes.FAILED, e));
                }
            }
        }
    }

    private InstallerException rolledBack(PhaseContext ctx, KubernetesClient client, Readiness readiness,
            List<ManifestDiff> applied, Path oldDir, Map<String, BundleManifest.Component> oldComponents, String failed,
            InstallerException cause) throws Exception {
        ctx.unitFailed(failed, cause.getMessage());
        ctx.warn("upgrade of " + failed + " failed (" + cause.getMessage() + "): rolling back "
                + String.join(", ", applied.stream().map(ManifestDiff::component).toList()) + " to " + plan.from().label());
        Rollback rollback = new Rollback(client, readiness, componentTimeout);
        List<ManifestDiff> reversed = new ArrayList<>(applied);
        java.util.Collections.reverse(reversed);
        for (ManifestDiff d : reversed) {
            BundleManifest.Component old = oldComponents.get(d.component());
            List<HasMetadata> target = old == null ? List.of() : StackManifests.load(oldDir, old).objects();
            List<HasMetadata> extra = new ArrayList<>(d.added());
            extra.addAll(d.changed());
            try {
                rollback.restore(ctx, d.component(), target, extra);
            } catch (RuntimeException | InterruptedException e) {
                throw new InstallerException("upgrade of " + failed + " failed (" + cause.getMessage()
                        + ") and its rollback failed too: " + d.component() + ": " + e.getMessage(),
                        "run 'infometis rollback' to retry the rollback, or fix the cluster", ExitCodes.FAILED, e);
            }
        }
        state.append(new History.Entry(Instant.now(), "rollback", plan.to().label(), plan.from().label(), "succeeded",
                "automatic: " + failed + " did not come up: " + cause.getMessage()));
        return new InstallerException("upgrade to " + plan.to().label() + " rolled back: " + failed + " did not come up ("
                + cause.getMessage() + "); " + plan.from().label() + " is running",
                cause.hint() == null ? "fix the cause and rerun the upgrade" : cause.hint() + "; then rerun the upgrade",
                ExitCodes.FAILED, cause);
    }

    /** Objects the new bundle no longer has in this component; claims and volumes stay, with their data. */
    private static int deleteDropped(PhaseContext ctx, KubernetesClient client, ManifestDiff diff) {
        int deleted = 0;
        for (HasMetadata o : diff.removed()) {
            if (o instanceof PersistentVolumeClaim || o instanceof PersistentVolume) {
                ctx.warn(o.getKind() + " " + o.getMetadata().getName() + " is no longer in " + diff.component()
                        + ": kept with its data; delete it by hand when it is not needed");
                continue;
            }
            client.resource(o).delete();
            deleted++;
        }
        return deleted;
    }

    /** PersistentVolumes for volumes the new bundle adds; existing ones are bound and left as they are. */
    private static void applyNewVolumes(PhaseContext ctx, KubernetesClient client) {
        ctx.unitStarted("persistent-volumes");
        // The same node-local PVs as install (PersistentVolumes keeps bound ones as they are, rebinds Released ones).
        PersistentVolumes.Applied r = PersistentVolumes.onThisHost(client).apply(ctx.bundle().manifest(),
                ctx.paths().resolve(ctx.options().volumesDir()).toString(), ctx::warn);
        ctx.unitDone("persistent-volumes", r.summary());
    }

    private static Map<String, BundleManifest.Component> byName(List<BundleManifest.Component> list) {
        Map<String, BundleManifest.Component> m = new LinkedHashMap<>();
        list.forEach(c -> m.put(c.name(), c));
        return m;
    }

    @Override
    public void dryRun(PhaseContext ctx) {
        if (plan.changed().isEmpty()) {
            ctx.plan("no component changed: nothing to apply");
        }
        for (ManifestDiff d : plan.changed()) {
            ctx.plan("apply " + d.component() + ", wait until it is ready; if it does not come up, roll back every "
                    + "component this upgrade applied to " + plan.from().label());
        }
    }
}
