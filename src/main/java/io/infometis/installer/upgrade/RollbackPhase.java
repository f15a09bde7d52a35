package io.infometis.installer.upgrade;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.host.Containerd;
import io.infometis.installer.k8s.Readiness;
import io.infometis.installer.k8s.StackManifests;
import io.infometis.installer.phase.Phase;
import io.infometis.installer.phase.PhaseContext;

/**
 * {@code infometis rollback}: puts every component whose manifests differ back to the previous bundle's (kept in
 * the state dir), newest component first, and waits for each; then records the previous bundle as installed. Its
 * images must still be in containerd (they stay pinned while it is the rollback target). k0s is not downgraded.
 */
public final class RollbackPhase implements Phase {
    private final InstalledState state;
    private final InstalledRecord record;
    private final Containerd containerd;
    private final Supplier<KubernetesClient> clients;
    private final Duration componentTimeout;

    public RollbackPhase(InstalledState state, InstalledRecord record, Containerd containerd,
            Supplier<KubernetesClient> clients, Duration componentTimeout) {
        this.state = state;
        this.record = record;
        this.containerd = containerd;
        this.clients = clients;
        this.componentTimeout = componentTimeout;
    }

    @Override
    public String name() {
        return "rollback";
    }

    @Override
    public String title() {
        return "Roll back to " + record.previous().label();
    }

    @Override
    public Duration timeout() {
        return Duration.ofMinutes(150);
    }

    @Override
    public List<String> units(PhaseContext ctx) {
        return differing();
    }

    /** Components whose manifests differ between the installed bundle and the previous one, in the previous order. */
    private List<String> differing() {
        Map<String, String> now = record.current().components();
        List<String> out = new ArrayList<>();
        record.previous().components().forEach((name, digest) -> {
            if (!digest.equals(now.get(name))) {
                out.add(name);
            }
        });
        now.keySet().stream().filter(n -> !record.previous().components().containsKey(n)).forEach(out::add);
        return out;
    }

    @Override
    public void run(PhaseContext ctx) throws Exception {
        InstalledRecord.Installed to = record.previous();
        InstalledRecord.Installed from = record.current();
        Map<String, Containerd.StoredImage> stored = containerd.images();
        for (BundleManifest.Image i : to.images()) {
            Containerd.StoredImage s = stored.get(i.ref());
            if (s == null || i.digest() != null && !i.digest().equals(s.digest())) {
                throw new InstallerException("image " + i.ref() + " of " + to.label() + " is no longer in containerd",
                        "the rollback needs it and the installer keeps no image files: import it by hand "
                                + "('k0s ctr -n k8s.io images import'), then rerun", ExitCodes.FAILED);
            }
        }
        Path toDir = state.keptBundle(to.digest());
        Path fromDir = state.keptBundle(from.digest());
        Map<String, BundleManifest.Component> toComponents = byName(InstalledState.components(state.keptManifest(to.digest()), toDir));
        Map<String, BundleManifest.Component> fromComponents = byName(
                InstalledState.components(state.keptManifest(from.digest()), fromDir));
        List<String> names = new ArrayList<>(differing());
        java.util.Collections.reverse(names);
        try (KubernetesClient client = clients.get()) {
            Rollback rollback = new Rollback(client, new Readiness(client, Duration.ofSeconds(2), Duration.ofSeconds(90),
                    ctx::checkCancelled), c -> componentTimeout);
            for (String name : names) {
                if (ctx.isUnitDone(name)) {
                    ctx.unitSkipped(name, "done earlier");
                    continue;
                }
                ctx.unitStarted(name);
                List<HasMetadata> target = toComponents.containsKey(name)
                        ? StackManifests.load(toDir, toComponents.get(name)).objects() : List.of();
                List<HasMetadata> extra = fromComponents.containsKey(name)
                        ? StackManifests.load(fromDir, fromComponents.get(name)).objects() : List.of();
                rollback.restore(ctx, name, target, extra);
                ctx.unitDone(name, "back to " + to.label());
            }
        }
        state.append(new History.Entry(Instant.now(), "rollback", from.label(), to.label(), "succeeded", "on demand"));
        state.write(new InstalledRecord(InstalledRecord.FORMAT_VERSION, to.withK0s(from.k0sVersion()), from));
    }

    private static Map<String, BundleManifest.Component> byName(List<BundleManifest.Component> list) {
        Map<String, BundleManifest.Component> m = new LinkedHashMap<>();
        list.forEach(c -> m.put(c.name(), c));
        return m;
    }

    @Override
    public void dryRun(PhaseContext ctx) {
        differing().forEach(c -> ctx.plan("put " + c + " back to " + record.previous().label() + " and wait"));
        ctx.plan("k0s stays " + record.current().k0sVersion() + " (k0s is never downgraded)");
    }
}
