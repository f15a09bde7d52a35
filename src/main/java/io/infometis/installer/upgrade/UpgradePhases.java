package io.infometis.installer.upgrade;

import java.time.Duration;
import java.util.List;

import io.infometis.installer.host.HostPaths;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.K0sContainerd;
import io.infometis.installer.host.ServiceManager;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.k8s.KubeClients;
import io.infometis.installer.phase.ImagesPhase;
import io.infometis.installer.phase.K0sReadiness;
import io.infometis.installer.phase.Phase;
import io.infometis.installer.phase.VolumesPhase;

/**
 * The upgrade, in order. The install's own phases are reused where they already do only what is missing
 * (images: one listing, import only new or changed, pin; volumes: only new directories).
 */
public final class UpgradePhases {
    private UpgradePhases() {
    }

    /** @param componentTimeout overrides every component's wait (10 min, 15 for Elasticsearch and NiFi); null for those */
    public static List<Phase> phases(InstallOptions options, UpgradePlan plan, InstalledState state,
            Duration componentTimeout) {
        HostPaths paths = new HostPaths(options.root(), options.stateDir());
        K0sCli k0s = new K0sCli(paths.k0sBinary(), Duration.ofMinutes(2));
        K0sContainerd containerd = new K0sContainerd(k0s, Duration.ofMinutes(30));
        var clients = KubeClients.fromKubeconfig(paths.adminKubeconfig());
        return List.of(
                new UpgradeDiskPhase(containerd),
                new K0sUpgradePhase(k0s, ServiceManager.k0s(k0s), new K0sReadiness(clients, K0sReadiness.Timeouts.standard())),
                new ImagesPhase(containerd),
                new VolumesPhase(),
                new UpgradeStackPhase(clients, plan, state, c -> componentTimeout != null ? componentTimeout
                        : c.equals("elasticsearch") || c.equals("nifi") ? Duration.ofMinutes(15) : Duration.ofMinutes(10),
                        Duration.ofSeconds(2), Duration.ofSeconds(90)),
                // The data path end to end, as install checks it: a failure stops the upgrade before prune and record,
                // so the previous bundle's images stay and a rerun (or 'infometis rollback') goes on from here.
                new io.infometis.installer.phase.VerifyPhase(clients, new io.infometis.installer.verify.Verification(
                        io.infometis.installer.verify.DataPathChecks.standard(), 6, 10_000)),
                new ImagesPrunePhase(containerd, plan),
                new RecordPhase(state, plan));
    }
}
