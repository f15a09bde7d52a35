package io.infometis.installer.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.infometis.installer.Json;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.K0sContainerd;
import io.infometis.installer.host.ServiceManager;
import io.infometis.installer.k8s.KubeClients;
import io.infometis.installer.phase.ImagesPhase;
import io.infometis.installer.phase.K0sPhase;
import io.infometis.installer.phase.K0sReadiness;
import io.infometis.installer.phase.NodeReadyPhase;
import io.infometis.installer.phase.Phase;
import io.infometis.installer.phase.VolumesPhase;

/**
 * The host half of the install in the new order (k0s → images → node → volumes) with the production phase classes and
 * short test waits, for tests and for a child JVM a test kills: {@code main ROOT K0S BUNDLE_DIR}.
 */
public final class NodeInstall {
    private NodeInstall() {
    }

    public static List<Phase> phases(Path root) {
        HostPaths paths = HostPaths.of(root);
        K0sCli k0s = new K0sCli(paths.k0sBinary(), Duration.ofSeconds(30));
        K0sContainerd containerd = new K0sContainerd(k0s, Duration.ofMinutes(2));
        K0sReadiness waits = new K0sReadiness(KubeClients.fromKubeconfig(paths.adminKubeconfig()),
                new K0sReadiness.Timeouts(Duration.ofSeconds(20), Duration.ofSeconds(20), Duration.ofSeconds(20),
                        Duration.ofSeconds(20), Duration.ofSeconds(60), Duration.ofMillis(100)));
        return List.of(new K0sPhase(k0s, ServiceManager.k0s(k0s), waits, containerd), new ImagesPhase(containerd),
                new NodeReadyPhase(k0s, waits, KubeClients.fromKubeconfig(paths.adminKubeconfig()), Duration.ofSeconds(2),
                        Duration.ofMillis(50), Duration.ofSeconds(60)),
                new VolumesPhase());
    }

    public static Runs.Run run(Path root, Path k0sBinary, DirectoryBundle bundle) {
        return Runs.run(Runs.options(root, k0sBinary, null), bundle, phases(root).toArray(Phase[]::new));
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[2]);
        BundleManifest manifest = Json.MAPPER.readValue(dir.resolve("bundle.json").toFile(), BundleManifest.class);
        Runs.Run r = run(Path.of(args[0]), Path.of(args[1]), new DirectoryBundle(dir, manifest));
        System.out.println("OUTCOME " + r.outcome().state());
        System.exit(0);
    }
}
