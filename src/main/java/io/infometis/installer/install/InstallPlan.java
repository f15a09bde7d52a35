package io.infometis.installer.install;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.infometis.installer.host.HostPaths;
import io.infometis.installer.k8s.KubeClients;
import io.infometis.installer.phase.Phase;
import io.infometis.installer.phase.StackPhase;
import io.infometis.installer.phase.preflight.HostFacts;
import io.infometis.installer.phase.preflight.PreflightPhase;

/** The install, in order. Read it in five seconds; every phase is one class in {@code phase/}. */
@ApplicationScoped
public class InstallPlan {

    public List<Phase> phases(InstallOptions options) {
        return List.of(
                new PreflightPhase(PreflightPhase.standardChecks(), HostFacts.live()),
                new StackPhase(KubeClients.fromKubeconfig(new HostPaths(options.root(), options.stateDir()).adminKubeconfig())));
    }
}
