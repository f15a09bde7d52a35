package io.infometis.installer.upgrade;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.bundle.BundleManifest.Image;
import io.infometis.installer.host.Containerd;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.phase.Phase;
import io.infometis.installer.phase.PhaseContext;

/**
 * The upgrade's preflight: room in k0s's data dir (containerd's store) for the images the new bundle adds or
 * changes and that containerd does not already hold, plus a margin for unpacking. The install's full preflight
 * (kernel, CPUs, ports…) is not rerun: the host runs the platform already.
 */
public final class UpgradeDiskPhase implements Phase {
    /** Unpacked layers take about as much again as the compressed ones, and containerd needs room to work. */
    static final long MARGIN_BYTES = 512L << 20;

    private final Containerd containerd;

    public UpgradeDiskPhase(Containerd containerd) {
        this.containerd = containerd;
    }

    @Override
    public String name() {
        return "preflight";
    }

    @Override
    public String title() {
        return "Check free space for the new images";
    }

    @Override
    public List<String> units(PhaseContext ctx) {
        return List.of("disk");
    }

    /**
     * Passed earlier in this upgrade's journal: a rerun after a kill mid-upgrade does not ask again, because k0s (and
     * with it containerd) may be stopped at the point the upgrade was cut off; the k0s phase starts it again.
     */
    @Override
    public boolean isDone(PhaseContext ctx) {
        return ctx.isUnitDone("disk");
    }

    @Override
    public void run(PhaseContext ctx) throws Exception {
        ctx.unitStarted("disk");
        Map<String, Containerd.StoredImage> stored = containerd.images();
        long bytes = 0;
        int count = 0;
        for (Image i : ctx.bundle().manifest().images()) {
            Containerd.StoredImage s = stored.get(i.ref());
            if (s == null || i.digest() != null && !i.digest().equals(s.digest())) {
                bytes += i.size();
                count++;
            }
        }
        long need = 2 * bytes + (count == 0 ? 0 : MARGIN_BYTES);
        Path store = existing(ctx.paths().resolve(HostPaths.K0S_DATA_DIR));
        long free = Files.getFileStore(store).getUsableSpace();
        String detail = count + " new images, " + mib(bytes) + " MiB; need " + mib(need) + " MiB, " + mib(free)
                + " MiB free in " + store;
        if (free < need) {
            ctx.unitFailed("disk", detail);
            throw new InstallerException("not enough space for the new images: " + detail,
                    "free space under " + store + " and rerun; nothing was changed", ExitCodes.NO_SPACE);
        }
        ctx.unitDone("disk", detail);
    }

    private static Path existing(Path p) throws IOException {
        Path d = p;
        while (d != null && !Files.exists(d)) {
            d = d.getParent();
        }
        if (d == null) {
            throw new IOException("no existing directory above " + p);
        }
        return d;
    }

    private static long mib(long b) {
        return b >> 20;
    }

    @Override
    public void dryRun(PhaseContext ctx) {
        ctx.plan("check free space in k0s's data dir for the images containerd does not hold yet (twice their size + "
                + mib(MARGIN_BYTES) + " MiB)");
    }
}
