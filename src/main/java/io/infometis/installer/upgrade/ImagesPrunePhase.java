package io.infometis.installer.upgrade;

import java.util.List;
import java.util.Map;

import io.infometis.installer.bundle.BundleManifest.Image;
import io.infometis.installer.host.Containerd;
import io.infometis.installer.host.K0sContainerd;
import io.infometis.installer.phase.Phase;
import io.infometis.installer.phase.PhaseContext;

/**
 * After the new stack is up: unpins and removes the images that neither the new bundle nor the one it replaces
 * (the rollback target) uses, so old images do not pile up (k0s #3389). An image containerd holds under another
 * digest than the old bundle's is someone else's now and is left alone.
 */
public final class ImagesPrunePhase implements Phase {
    private final Containerd containerd;
    private final UpgradePlan plan;

    public ImagesPrunePhase(Containerd containerd, UpgradePlan plan) {
        this.containerd = containerd;
        this.plan = plan;
    }

    @Override
    public String name() {
        return "prune";
    }

    @Override
    public String title() {
        return "Unpin and remove images no kept bundle uses";
    }

    @Override
    public List<String> units(PhaseContext ctx) {
        return plan.prune().stream().map(Image::ref).toList();
    }

    @Override
    public void run(PhaseContext ctx) throws Exception {
        if (plan.prune().isEmpty()) {
            return;
        }
        Map<String, Containerd.StoredImage> stored = containerd.images();
        for (Image image : plan.prune()) {
            if (ctx.isUnitDone(image.ref())) {
                ctx.unitSkipped(image.ref(), "done earlier");
                continue;
            }
            ctx.unitStarted(image.ref());
            Containerd.StoredImage s = stored.get(image.ref());
            if (s == null) {
                ctx.unitSkipped(image.ref(), "not in containerd");
                continue;
            }
            if (image.digest() != null && !image.digest().equals(s.digest())) {
                ctx.unitSkipped(image.ref(), "containerd holds it as " + s.digest() + ", not the old bundle's; left alone");
                continue;
            }
            if (s.pinned()) {
                ctx.host().mutate("unpin " + image.ref(), () -> containerd.unlabel(image.ref(), K0sContainerd.PINNED));
            }
            ctx.host().mutate("remove image " + image.ref(), () -> containerd.remove(image.ref()));
            ctx.unitDone(image.ref(), "unpinned and removed " + s.digest());
        }
    }

    @Override
    public void dryRun(PhaseContext ctx) {
        plan.prune().forEach(i -> ctx.plan("unpin and remove " + i.ref() + " (" + i.digest() + ")"));
        if (plan.prune().isEmpty()) {
            ctx.plan("no image to prune");
        }
    }
}
