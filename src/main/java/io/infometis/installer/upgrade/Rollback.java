package io.infometis.installer.upgrade;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.k8s.Readiness;
import io.infometis.installer.k8s.StackApplier;
import io.infometis.installer.phase.PhaseContext;

/**
 * Puts one component back to a bundle's manifests: applies that bundle's objects (the applier writes only those
 * that differ), deletes the objects the other bundle added, and waits until the component is ready. Claims and
 * PersistentVolumes are never deleted (nor their data): a claim the newer bundle added stays, unused.
 */
final class Rollback {
    private final KubernetesClient client;
    private final Readiness readiness;
    private final Function<String, Duration> timeout;

    Rollback(KubernetesClient client, Readiness readiness, Function<String, Duration> timeout) {
        this.client = client;
        this.readiness = readiness;
        this.timeout = timeout;
    }

    /**
     * @param target the objects to restore (empty when the component did not exist before)
     * @param extra  objects of the bundle being left; those not in {@code target} are deleted, except claims and PVs
     */
    void restore(PhaseContext ctx, String component, List<HasMetadata> target, List<HasMetadata> extra)
            throws InterruptedException {
        StackApplier applier = new StackApplier(client);
        int written = 0;
        for (HasMetadata o : target) {
            StackApplier.Result r = applier.apply(o);
            written += r == StackApplier.Result.CREATED || r == StackApplier.Result.UPDATED ? 1 : 0;
        }
        Set<String> keep = target.stream().map(ManifestDiff::key).collect(Collectors.toSet());
        int deleted = 0;
        for (HasMetadata o : extra) {
            if (keep.contains(ManifestDiff.key(o))) {
                continue;
            }
            if (o instanceof PersistentVolumeClaim || o instanceof PersistentVolume) {
                ctx.warn(o.getKind() + " " + o.getMetadata().getName() + " of " + component
                        + " kept by the rollback (claims and volumes are never deleted)");
                continue;
            }
            client.resource(o).delete();
            deleted++;
        }
        ctx.step("rollback of " + component + ": " + written + " objects written, " + deleted + " deleted; waiting");
        readiness.await(component, target, timeout.apply(component));
    }
}
