package io.infometis.installer.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * What the Deployment, StatefulSet and DaemonSet controllers and the node's kubelet would do for the mock API server:
 * a background thread that creates each workload's pods and sets their status from what the {@link Node} holds, then
 * the workload's status from its pods, the way the real controllers count.
 *
 * <p>Kubelet's rules, kept: a pod whose sandbox image (pause) is missing stays {@code ContainerCreating} and gets a
 * Warning Event {@code FailedCreatePodSandBox}; a missing image is {@code ErrImageNeverPull} under pull policy Never and
 * {@code ErrImagePull} otherwise (an air gap: nothing can be pulled, and policy Always always pulls); a pod on the pod
 * network is not scheduled while the node is NotReady (taint {@code node.kubernetes.io/not-ready}); an image told to
 * crash gives {@code CrashLoopBackOff} (or OOMKilled). Rollouts: a Deployment keeps its old pods until the new ones are
 * Ready (maxUnavailable 0 for one replica); a StatefulSet replaces pods in place and moves {@code currentRevision} only
 * once every pod is updated and Ready. Not modelled: PVC binding (no volume controller), probes, several nodes.
 */
public final class FakeControllers implements AutoCloseable {

    /** The node the pods run on: which images its containerd holds, its sandbox image, whether its network is up. */
    public interface Node {
        String name();

        boolean hasImage(String ref);

        String pauseImage();

        boolean networkReady();
    }

    /** A node that holds every image and is Ready: for tests about the API side only. */
    public static final Node EVERYTHING_PRESENT = new Node() {
        @Override
        public String name() {
            return "infometis-1";
        }

        @Override
        public boolean hasImage(String ref) {
            return true;
        }

        @Override
        public String pauseImage() {
            return "quay.io/k0sproject/pause:3.10.1";
        }

        @Override
        public boolean networkReady() {
            return true;
        }
    };

    private final KubernetesClient client;
    private final Node node;
    private final List<String> namespaces;
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final Map<String, String> crashing = new ConcurrentHashMap<>();
    private final List<String> readied = new CopyOnWriteArrayList<>();
    private final Set<String> sandboxEvents = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean running = true;

    public FakeControllers(KubernetesClient client) {
        this(client, EVERYTHING_PRESENT, "infometis");
    }

    public FakeControllers(KubernetesClient client, Node node, String... namespaces) {
        this.client = client;
        this.node = node;
        this.namespaces = List.of(namespaces);
        this.thread = new Thread(this::loop, "fake-controllers");
        thread.setDaemon(true);
        thread.start();
    }

    /** Leaves this workload alone: no pods, no status (the test writes them). */
    public FakeControllers hold(String workload) {
        held.add(workload);
        return this;
    }

    /** Containers running this image exit 1 at once, again and again. */
    public FakeControllers crash(String image) {
        crashing.put(normalize(image), "Error");
        return this;
    }

    /** Containers running this image are killed for memory, again and again. */
    public FakeControllers oomKill(String image) {
        crashing.put(normalize(image), "OOMKilled");
        return this;
    }

    /** The workloads whose rollout completed, in order (each time it completed). */
    public List<String> readied() {
        return List.copyOf(readied);
    }

    private void loop() {
        while (running) {
            try {
                for (String ns : namespaces) {
                    for (Deployment d : client.apps().deployments().inNamespace(ns).list().getItems()) {
                        if (!held.contains(d.getMetadata().getName())) {
                            deployment(d);
                        }
                    }
                    for (StatefulSet s : client.apps().statefulSets().inNamespace(ns).list().getItems()) {
                        if (!held.contains(s.getMetadata().getName())) {
                            statefulSet(s);
                        }
                    }
                    for (DaemonSet s : client.apps().daemonSets().inNamespace(ns).list().getItems()) {
                        if (!held.contains(s.getMetadata().getName())) {
                            daemonSet(s);
                        }
                    }
                }
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException conflictOrClosed) {
                // A write raced the installer's update (409) or the server is stopping: try again next round.
            }
        }
    }

    private void deployment(Deployment d) {
        String ns = d.getMetadata().getNamespace();
        String name = d.getMetadata().getName();
        int want = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        String hash = hash(d.getSpec().getTemplate());
        Map<String, String> selector = d.getSpec().getSelector().getMatchLabels();
        List<Pod> pods = client.pods().inNamespace(ns).withLabels(selector).list().getItems();
        List<Pod> current = pods.stream().filter(p -> hash.equals(label(p, "pod-template-hash"))).toList();
        for (int i = current.size(); i < want; i++) {
            create(ns, name + "-" + hash + "-" + i, d.getSpec().getTemplate(), Map.of("pod-template-hash", hash));
        }
        pods = client.pods().inNamespace(ns).withLabels(selector).list().getItems().stream().map(this::kubelet).toList();
        long newReady = pods.stream().filter(p -> hash.equals(label(p, "pod-template-hash")) && ready(p)).count();
        if (newReady >= want) {
            // The new ReplicaSet is available: the old one scales to zero.
            for (Pod p : pods) {
                if (!hash.equals(label(p, "pod-template-hash"))) {
                    client.resource(p).delete();
                }
            }
            pods = pods.stream().filter(p -> hash.equals(label(p, "pod-template-hash"))).toList();
        }
        int updated = (int) pods.stream().filter(p -> hash.equals(label(p, "pod-template-hash"))).count();
        int ready = (int) pods.stream().filter(FakeControllers::ready).count();
        var status = new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(pods.size()).withUpdatedReplicas(updated).withReadyReplicas(ready)
                .withAvailableReplicas(ready).build();
        if (!same(status, d.getStatus())) {
            d.setStatus(status);
            client.resource(d).updateStatus();
            if (updated == want && pods.size() == want && ready == want) {
                readied.add(name);
            }
        }
    }

    private void statefulSet(StatefulSet s) {
        String ns = s.getMetadata().getNamespace();
        String name = s.getMetadata().getName();
        int want = s.getSpec().getReplicas() == null ? 1 : s.getSpec().getReplicas();
        String revision = name + "-" + hash(s.getSpec().getTemplate());
        List<Pod> pods = new ArrayList<>();
        boolean allUpdatedReady = true;
        for (int i = 0; i < want; i++) {
            Pod p = client.pods().inNamespace(ns).withName(name + "-" + i).get();
            if (p != null && !revision.equals(label(p, "controller-revision-hash")) && allUpdatedReady) {
                // RollingUpdate: a pod at the old revision is deleted and recreated, one at a time.
                client.resource(p).delete();
                p = null;
            }
            if (p == null) {
                p = create(ns, name + "-" + i, s.getSpec().getTemplate(), Map.of("controller-revision-hash", revision));
            }
            p = kubelet(p);
            pods.add(p);
            allUpdatedReady &= ready(p) && revision.equals(label(p, "controller-revision-hash"));
        }
        int ready = (int) pods.stream().filter(FakeControllers::ready).count();
        int updated = (int) pods.stream().filter(p -> revision.equals(label(p, "controller-revision-hash"))).count();
        String currentRevision = s.getStatus() == null || s.getStatus().getCurrentRevision() == null || allUpdatedReady
                ? revision : s.getStatus().getCurrentRevision();
        var status = new StatefulSetStatusBuilder().withObservedGeneration(s.getMetadata().getGeneration())
                .withReplicas(pods.size()).withReadyReplicas(ready).withAvailableReplicas(ready)
                .withCurrentReplicas(currentRevision.equals(revision) ? updated : pods.size() - updated)
                .withUpdatedReplicas(updated).withCurrentRevision(currentRevision).withUpdateRevision(revision).build();
        if (!same(status, s.getStatus())) {
            s.setStatus(status);
            client.resource(s).updateStatus();
            if (allUpdatedReady) {
                readied.add(name);
            }
        }
    }

    private void daemonSet(DaemonSet s) {
        String ns = s.getMetadata().getNamespace();
        String name = s.getMetadata().getName();
        boolean hasNode = client.nodes().withName(node.name()).get() != null;
        String hash = hash(s.getSpec().getTemplate());
        List<Pod> pods = client.pods().inNamespace(ns).withLabels(s.getSpec().getSelector().getMatchLabels()).list()
                .getItems();
        for (Pod p : pods) {
            if (!hash.equals(label(p, "controller-revision-hash"))) {
                client.resource(p).delete();
            }
        }
        Pod pod = null;
        if (hasNode) {
            pod = client.pods().inNamespace(ns).withName(name + "-" + hash.substring(0, 5)).get();
            if (pod == null) {
                pod = create(ns, name + "-" + hash.substring(0, 5), s.getSpec().getTemplate(),
                        Map.of("controller-revision-hash", hash));
            }
            pod = kubelet(pod);
        }
        int n = pod == null ? 0 : 1;
        int ready = pod != null && ready(pod) ? 1 : 0;
        var status = new DaemonSetStatusBuilder().withObservedGeneration(s.getMetadata().getGeneration())
                .withDesiredNumberScheduled(n).withCurrentNumberScheduled(n).withUpdatedNumberScheduled(n)
                .withNumberReady(ready).withNumberAvailable(ready).withNumberMisscheduled(0).build();
        if (!same(status, s.getStatus())) {
            s.setStatus(status);
            client.resource(s).updateStatus();
            if (ready == 1) {
                readied.add(name);
            }
        }
    }

    private Pod create(String ns, String name, PodTemplateSpec template, Map<String, String> extraLabels) {
        Map<String, String> labels = new LinkedHashMap<>(template.getMetadata().getLabels());
        labels.putAll(extraLabels);
        return client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(ns)
                .withLabels(labels).endMetadata().withSpec(template.getSpec()).build()).create();
    }

    /** Kubelet on {@link #node}: the pod's status from the images, the sandbox and the network. */
    private Pod kubelet(Pod p) {
        PodSpec spec = p.getSpec();
        PodStatus status;
        boolean hostNetwork = Boolean.TRUE.equals(spec.getHostNetwork());
        if (!hostNetwork && !node.networkReady()) {
            status = new PodStatusBuilder().withPhase("Pending").addNewCondition().withType("PodScheduled")
                    .withStatus("False").withReason("Unschedulable").withMessage("0/1 nodes are available: 1 node(s) had "
                            + "untolerated taint {node.kubernetes.io/not-ready: }. preemption: 0/1 nodes are available: 1 "
                            + "Preemption is not helpful for scheduling.").endCondition().build();
        } else if (!node.hasImage(node.pauseImage())) {
            String pause = node.pauseImage();
            if (sandboxEvents.add(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName())
                    && client.v1().events().inNamespace(p.getMetadata().getNamespace())
                            .withName(p.getMetadata().getName() + ".sandbox").get() == null) {
                client.v1().events().inNamespace(p.getMetadata().getNamespace()).resource(new EventBuilder()
                        .withNewMetadata().withName(p.getMetadata().getName() + ".sandbox").endMetadata()
                        .withType("Warning").withReason("FailedCreatePodSandBox").withNewSource().withComponent("kubelet")
                        .withHost(node.name()).endSource().withNewInvolvedObject().withKind("Pod")
                        .withNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).endInvolvedObject()
                        .withMessage("Failed to create pod sandbox: rpc error: code = Unknown desc = failed to get sandbox "
                                + "image \"" + pause + "\": failed to pull image \"" + pause + "\": failed to pull and unpack "
                                + "image \"" + pause + "\": failed to resolve reference \"" + pause + "\": dial tcp: lookup "
                                + pause.substring(0, pause.indexOf('/')) + ": no such host")
                        .build()).create();
            }
            status = scheduled().withPhase("Pending").addNewCondition().withType("Ready").withStatus("False")
                    .withReason("ContainersNotReady").endCondition()
                    .withInitContainerStatuses(statuses(spec.getInitContainers(), "PodInitializing", null))
                    .withContainerStatuses(statuses(spec.getContainers(), "ContainerCreating", null)).build();
        } else {
            status = containers(spec);
        }
        if (!same(status, p.getStatus())) {
            p.setStatus(status);
            return client.resource(p).updateStatus();
        }
        return p;
    }

    private PodStatus containers(PodSpec spec) {
        List<ContainerStatus> inits = new ArrayList<>();
        boolean initsDone = true;
        for (Container c : spec.getInitContainers()) {
            if (!initsDone) {
                inits.add(waiting(c, "PodInitializing", null, 0, null));
                continue;
            }
            ContainerStatus s = problem(c);
            if (s != null) {
                inits.add(s);
                initsDone = false;
            } else {
                inits.add(new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withReady(true)
                        .withNewState().withNewTerminated().withExitCode(0).withReason("Completed").endTerminated()
                        .endState().build());
            }
        }
        List<ContainerStatus> mains = new ArrayList<>();
        boolean allReady = initsDone;
        for (Container c : spec.getContainers()) {
            ContainerStatus s = initsDone ? problem(c) : waiting(c, "PodInitializing", null, 0, null);
            if (s == null) {
                s = new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withReady(true)
                        .withStarted(true).withNewState().withNewRunning().endRunning().endState().build();
            } else {
                allReady = false;
            }
            mains.add(s);
        }
        return scheduled().withPhase(allReady ? "Running" : "Pending").addNewCondition().withType("Ready")
                .withStatus(allReady ? "True" : "False").withReason(allReady ? null : "ContainersNotReady").endCondition()
                .withInitContainerStatuses(inits).withContainerStatuses(mains).build();
    }

    /** Why this container cannot run on the node, as kubelet reports it, or null when it runs. */
    private ContainerStatus problem(Container c) {
        String image = normalize(c.getImage());
        String policy = c.getImagePullPolicy() != null ? c.getImagePullPolicy()
                : image.endsWith(":latest") || !image.substring(image.lastIndexOf('/')).contains(":") ? "Always"
                : "IfNotPresent";
        if ("Never".equals(policy) && !node.hasImage(image)) {
            return waiting(c, "ErrImageNeverPull", "Container image \"" + c.getImage()
                    + "\" is not present with pull policy of Never", 0, null);
        }
        if ("Always".equals(policy) || !node.hasImage(image)) {
            return waiting(c, "ErrImagePull", "failed to pull and unpack image \"" + image + "\": failed to resolve "
                    + "reference \"" + image + "\": dial tcp: lookup " + image.substring(0, image.indexOf('/'))
                    + ": no such host", 0, null);
        }
        String crash = crashing.get(image);
        if (crash != null) {
            return waiting(c, "CrashLoopBackOff", "back-off 40s restarting failed container=" + c.getName(), 3, crash);
        }
        return null;
    }

    private static ContainerStatus waiting(Container c, String reason, String message, int restarts, String lastReason) {
        var b = new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage()).withReady(false)
                .withRestartCount(restarts).withNewState().withNewWaiting().withReason(reason).withMessage(message)
                .endWaiting().endState();
        if (lastReason != null) {
            b.withNewLastState().withNewTerminated().withReason(lastReason)
                    .withExitCode("OOMKilled".equals(lastReason) ? 137 : 1).endTerminated().endLastState();
        }
        return b.build();
    }

    private static List<ContainerStatus> statuses(List<Container> containers, String reason, String message) {
        return containers.stream().map(c -> waiting(c, reason, message, 0, null)).toList();
    }

    private static PodStatusBuilder scheduled() {
        return new PodStatusBuilder().addNewCondition().withType("PodScheduled").withStatus("True").endCondition();
    }

    /** Equal as the API server stores them (empty lists and nulls alike): an unchanged status is not written. */
    private static boolean same(Object a, Object b) {
        return b != null && Serialization.asJson(a).equals(Serialization.asJson(b));
    }

    private static boolean ready(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static String label(Pod p, String key) {
        return p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get(key);
    }

    /** Like the controllers' pod-template-hash: changes whenever the template does. */
    static String hash(PodTemplateSpec template) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest(Serialization.asJson(template).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 5);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How containerd's CRI names an image: {@code busybox:1.35} is {@code docker.io/library/busybox:1.35}. */
    public static String normalize(String image) {
        Objects.requireNonNull(image);
        int slash = image.indexOf('/');
        String first = slash < 0 ? "" : image.substring(0, slash);
        boolean hasDomain = first.contains(".") || first.contains(":") || first.equals("localhost");
        String named = hasDomain ? image : "docker.io/" + (slash < 0 ? "library/" : "") + image;
        String last = named.substring(named.lastIndexOf('/'));
        return last.contains(":") || last.contains("@") ? named : named + ":latest";
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(2000);
    }
}
