package io.infometis.installer.install;

import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

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
import io.infometis.installer.phase.StackPhase;
import io.infometis.installer.phase.VerifyPhase;
import io.infometis.installer.phase.VolumesPhase;
import io.infometis.installer.phase.preflight.HostFacts;
import io.infometis.installer.phase.preflight.PreflightPhase;
import io.infometis.installer.verify.DataPathChecks;
import io.infometis.installer.verify.Verification;

/**
 * The install, in order. Read it in five seconds; every phase is one class in {@code phase/}. Nothing waits on a pod
 * before the images are in containerd: an air-gapped node needs k0s's own images (pause, the CNI) to become Ready,
 * so k0s is started and its containerd answers, then the images go in, then the node phase waits for a Ready node.
 */
@ApplicationScoped
public class InstallPlan {
    /**
     * How long a pod may show a hard problem (an image it cannot get, a sandbox, a crash loop, no volume, too little
     * CPU or memory) before the node phase gives up: about a minute, not the phase's timeout.
     */
    @ConfigProperty(name = "infometis.install.pod-grace", defaultValue = "60s")
    Duration podGrace = Duration.ofMinutes(1);

    public List<Phase> phases(InstallOptions options) {
        HostPaths paths = new HostPaths(options.root(), options.stateDir());
        K0sCli k0s = new K0sCli(paths.k0sBinary(), Duration.ofMinutes(2));
        K0sContainerd containerd = new K0sContainerd(k0s, Duration.ofMinutes(30));
        K0sReadiness waits = new K0sReadiness(KubeClients.fromKubeconfig(paths.adminKubeconfig()),
                K0sReadiness.Timeouts.standard());
        return List.of(
                new PreflightPhase(PreflightPhase.standardChecks(), HostFacts.live()),
                new K0sPhase(k0s, ServiceManager.k0s(k0s), waits, containerd),
                new ImagesPhase(containerd),
                new NodeReadyPhase(k0s, waits, KubeClients.fromKubeconfig(paths.adminKubeconfig()), podGrace,
                        Duration.ofSeconds(2), Duration.ofMinutes(10)),
                new VolumesPhase(),
                new StackPhase(KubeClients.fromKubeconfig(paths.adminKubeconfig())),
                new VerifyPhase(KubeClients.fromKubeconfig(paths.adminKubeconfig()),
                        new Verification(DataPathChecks.standard(), 6, 10_000)));
    }
}
