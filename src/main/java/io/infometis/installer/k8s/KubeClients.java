package io.infometis.installer.k8s;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.infometis.installer.InstallerException;

/**
 * Where phases get a Kubernetes client: k0s's admin kubeconfig in production, the mock API server in tests.
 * A supplier, because the kubeconfig exists only once the k0s phase has run.
 */
public final class KubeClients {
    private KubeClients() {
    }

    /** A client for the kubeconfig k0s writes ({@code <root>/var/lib/k0s/pki/admin.conf}). */
    public static Supplier<KubernetesClient> fromKubeconfig(Path kubeconfig) {
        return () -> {
            try {
                String yaml = Files.readString(kubeconfig);
                Config config = Config.fromKubeconfig(yaml);
                return new KubernetesClientBuilder().withConfig(config).build();
            } catch (IOException e) {
                throw InstallerException.failed("reading kubeconfig " + kubeconfig + ": " + e.getMessage(),
                        "check that the k0s phase finished ('infometis install --until k0s')", e);
            }
        };
    }
}
