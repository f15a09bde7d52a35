package io.infometis.installer.testing;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * What the Deployment and StatefulSet controllers would do for the mock API server: a background thread that
 * marks each workload's replicas ready shortly after it appears, except the ones told to stay unready.
 */
public final class FakeControllers implements AutoCloseable {
    private final KubernetesClient client;
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final List<String> readied = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    public FakeControllers(KubernetesClient client) {
        this.client = client;
        this.thread = new Thread(this::loop, "fake-controllers");
        thread.setDaemon(true);
        thread.start();
    }

    /** Never marks this workload ready (an image that cannot be pulled, a crashing pod). */
    public FakeControllers hold(String workload) {
        held.add(workload);
        return this;
    }

    /** The workloads marked ready, in order. */
    public List<String> readied() {
        return List.copyOf(readied);
    }

    private void loop() {
        while (running) {
            try {
                for (Deployment d : client.apps().deployments().inNamespace("infometis").list().getItems()) {
                    int want = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
                    if (!held.contains(d.getMetadata().getName()) && (d.getStatus() == null
                            || d.getStatus().getReadyReplicas() == null || d.getStatus().getReadyReplicas() < want)) {
                        d.setStatus(new DeploymentStatusBuilder().withReplicas(want).withReadyReplicas(want)
                                .withUpdatedReplicas(want).withAvailableReplicas(want).build());
                        client.resource(d).updateStatus();
                        readied.add(d.getMetadata().getName());
                    }
                }
                for (StatefulSet s : client.apps().statefulSets().inNamespace("infometis").list().getItems()) {
                    int want = s.getSpec().getReplicas() == null ? 1 : s.getSpec().getReplicas();
                    if (!held.contains(s.getMetadata().getName()) && (s.getStatus() == null
                            || s.getStatus().getReadyReplicas() == null || s.getStatus().getReadyReplicas() < want)) {
                        s.setStatus(new StatefulSetStatusBuilder().withReplicas(want).withReadyReplicas(want)
                                .withUpdatedReplicas(want).withCurrentReplicas(want).build());
                        client.resource(s).updateStatus();
                        readied.add(s.getMetadata().getName());
                    }
                }
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException conflictOrClosed) {
                // A write raced the installer's update (409) or the server is stopping: try again next round.
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(2000);
    }
}
