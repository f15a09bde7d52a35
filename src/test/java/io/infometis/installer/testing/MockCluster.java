package io.infometis.installer.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

/** The fabric8 mock API server in CRUD mode, with a kubeconfig pointing at it, standing in for k0s's API. */
public final class MockCluster implements AutoCloseable {
    private final KubernetesMockServer server;
    private final java.util.List<AutoCloseable> attached = new java.util.concurrent.CopyOnWriteArrayList<>();

    public MockCluster() {
        // One map for the server and its dispatcher: expectations (pod logs) are answered, everything else is CRUD.
        java.util.Map<io.fabric8.mockwebserver.internal.SimpleRequest, java.util.Queue<io.fabric8.mockwebserver.ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), (java.util.Map) responses,
                new KubernetesMixedDispatcher((java.util.Map) responses), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
    }

    /** The mock's expectations, for what CRUD mode cannot answer (pod logs). */
    public io.fabric8.mockwebserver.dsl.MockServerExpectation expect() {
        return server.expect();
    }

    public KubernetesClient client() {
        return server.createClient();
    }

    /** A kubeconfig like the one {@code k0s kubeconfig admin} prints, aimed at the mock server. */
    public Path writeKubeconfig(Path file) throws IOException {
        String url = "http://" + server.getHostName() + ":" + server.getPort();
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - cluster:
                    server: %s
                  name: local
                contexts:
                - context:
                    cluster: local
                    namespace: default
                    user: user
                  name: Default
                current-context: Default
                users:
                - name: user
                  user:
                    token: standin
                """.formatted(url));
        return file;
    }

    /** The node k0s's kubelet would register, Ready. */
    public void addReadyNode(String name) {
        try (KubernetesClient c = client()) {
            c.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                    .withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build())
                    .create();
        }
    }

    /** Closed before the server: stand-ins that talk to it (a node, controllers). */
    public <T extends AutoCloseable> T attach(T c) {
        attached.add(c);
        return c;
    }

    @Override
    public void close() {
        for (AutoCloseable c : attached) {
            try {
                c.close();
            } catch (Exception e) {
                Thread.currentThread().interrupt();
            }
        }
        server.destroy();
    }
}
