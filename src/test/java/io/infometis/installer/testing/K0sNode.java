package io.infometis.installer.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * What a started k0s does on its node, as strictly as k0s: once the stand-in's status socket exists (k0s runs), its
 * kubelet registers the node and k0s applies its system components to {@code kube-system} (kube-router with its
 * cni-node init container and kube-proxy as host-network DaemonSets, CoreDNS and metrics-server as Deployments, the
 * konnectivity agent unless konnectivity-server is disabled), as the installed k0s.yaml and service flags say, with
 * k0s.yaml's {@code default_pull_policy}. The node is Ready only
 * when pause, kube-router and cni-node are in containerd under the refs k0s uses ({@link K0sRefs}): without them
 * the CNI never writes its config and kubelet reports {@code NetworkPluginNotReady}. The pods themselves are run by
 * {@link FakeControllers} on this node, which reads the images from here. Not modelled: what the pods do.
 */
public final class K0sNode implements FakeControllers.Node, AutoCloseable {
    public static final String NAME = "infometis-1";
    private static final String NOT_READY = "container runtime network not ready: NetworkReady=false "
            + "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized";

    private final MockCluster cluster;
    private final Path statusSocket;
    private final Path k0sConfig;
    private final Path unit;
    private final Ctr containerd;

    /** {@code ctr ARGS} against the node's containerd, its output; fails on a non-zero exit. */
    public interface Ctr {
        String ctrOk(String... args) throws java.io.IOException, InterruptedException;
    }
    private final K0sRefs k0s;
    private final FakeControllers controllers;
    private final Thread thread;
    private volatile Set<String> images = Set.of();
    private volatile boolean running = true;
    private final Set<String> applied = ConcurrentHashMap.newKeySet();

    /** Starts the node's loop and the controllers that run kube-system's and infometis's pods on it. */
    public K0sNode(MockCluster cluster, Path root, ContainerdExtension containerd, K0sRefs k0s) {
        this(cluster, root, (Ctr) containerd::ctrOk, k0s);
    }

    /** For a containerd outside JUnit (a bench): {@code ctr -a SOCKET}. */
    public K0sNode(MockCluster cluster, Path root, Path ctrSocket, K0sRefs k0s) {
        this(cluster, root, args -> {
            java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("ctr", "-a", ctrSocket.toString()));
            cmd.addAll(java.util.List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new java.io.IOException("ctr " + String.join(" ", args) + ": " + out);
            }
            return out;
        }, k0s);
    }

    private K0sNode(MockCluster cluster, Path root, Ctr containerd, K0sRefs k0s) {
        this.cluster = cluster;
        this.statusSocket = root.resolve("run/k0s/status.sock");
        this.k0sConfig = root.resolve("etc/k0s/k0s.yaml");
        this.unit = root.resolve("etc/systemd/system/k0scontroller.service");
        this.containerd = containerd;
        this.k0s = k0s;
        this.controllers = new FakeControllers(cluster.client(), this, "kube-system", "infometis");
        this.thread = new Thread(this::loop, "k0s-node");
        thread.setDaemon(true);
        thread.start();
    }

    public FakeControllers controllers() {
        return controllers;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean hasImage(String ref) {
        return images.contains(FakeControllers.normalize(ref));
    }

    @Override
    public String pauseImage() {
        return k0s.require("pause");
    }

    @Override
    public boolean networkReady() {
        return hasImage(pauseImage()) && hasImage(k0s.require("kube-router")) && hasImage(k0s.require("cni-node"));
    }

    private void loop() {
        try (KubernetesClient client = cluster.client()) {
            while (running) {
                try {
                    if (Files.exists(statusSocket) && Files.exists(k0sConfig)) {
                        images = Set.copyOf(containerd.ctrOk("-n", "k8s.io", "images", "ls", "-q").lines()
                                .filter(l -> !l.isBlank()).toList());
                        register(client);
                        applySystemComponents(client);
                    }
                    Thread.sleep(150);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException | java.io.IOException | AssertionError notNow) {
                    // The mock is stopping, or containerd is restarting: try again next round.
                }
            }
        }
    }

    private void register(KubernetesClient client) {
        boolean ready = networkReady();
        var node = client.nodes().withName(NAME).get();
        String want = ready ? "True" : "False";
        if (node != null && node.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && want.equals(c.getStatus()))) {
            return;
        }
        var status = new NodeBuilder().withNewStatus().addNewCondition().withType("Ready").withStatus(want)
                .withReason(ready ? "KubeletReady" : "KubeletNotReady")
                .withMessage(ready ? "kubelet is posting ready status" : NOT_READY).endCondition()
                .addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress().endStatus().build().getStatus();
        if (node == null) {
            node = client.nodes().resource(new NodeBuilder().withNewMetadata().withName(NAME).endMetadata().build()).create();
        }
        node.setStatus(status);
        client.nodes().resource(node).updateStatus();
    }

    /**
     * k0s's manifest applier: its components as k0s names them, each image under k0s's own ref, as the k0s.yaml the
     * installer wrote and the flags it installed the service with configure them.
     */
    private void applySystemComponents(KubernetesClient client) throws java.io.IOException {
        JsonNode spec = new YAMLMapper().readTree(k0sConfig.toFile()).path("spec");
        String policy = spec.path("images").path("default_pull_policy").asText("IfNotPresent");
        String provider = spec.path("network").path("provider").asText("kuberouter");
        if ("kuberouter".equals(provider)) {
            daemonSet(client, "kube-router", true, List.of(container("install-cni-bins", k0s.require("cni-node"), policy)),
                    container("kube-router", k0s.require("kube-router"), policy));
        } else {
            daemonSet(client, "calico-node", true, List.of(container("install-cni", k0s.require("calico-cni"), policy)),
                    container("calico-node", k0s.require("calico-node"), policy));
        }
        if (!spec.path("network").path("kubeProxy").path("disabled").asBoolean(false)) {
            daemonSet(client, "kube-proxy", true, List.of(), container("kube-proxy", k0s.require("kube-proxy"), policy));
        }
        String service = Files.exists(unit) ? Files.readString(unit) : "";
        if (!service.matches("(?s).*--disable-components[= ]\\S*konnectivity-server.*")) {
            daemonSet(client, "konnectivity-agent", false, List.of(), container("konnectivity-agent",
                    k0s.require("apiserver-network-proxy-agent"), policy));
        }
        deployment(client, "coredns", container("coredns", k0s.require("coredns"), policy));
        if (!service.matches("(?s).*--disable-components[= ]\\S*metrics-server.*")) {
            deployment(client, "metrics-server", container("metrics-server", k0s.require("metrics-server"), policy));
        }
    }

    private void daemonSet(KubernetesClient client, String name, boolean hostNetwork, List<Container> init, Container c) {
        if (applied.add(name) && client.apps().daemonSets().inNamespace("kube-system").withName(name).get() == null) {
            client.apps().daemonSets().inNamespace("kube-system").resource(new DaemonSetBuilder().withNewMetadata()
                    .withName(name).withNamespace("kube-system").endMetadata().withNewSpec().withNewSelector()
                    .withMatchLabels(Map.of("k8s-app", name)).endSelector()
                    .withTemplate(template(name, hostNetwork, init, c)).endSpec().build()).create();
        }
    }

    private void deployment(KubernetesClient client, String name, Container c) {
        if (applied.add(name) && client.apps().deployments().inNamespace("kube-system").withName(name).get() == null) {
            client.apps().deployments().inNamespace("kube-system").resource(new DeploymentBuilder().withNewMetadata()
                    .withName(name).withNamespace("kube-system").endMetadata().withNewSpec().withReplicas(1)
                    .withNewSelector().withMatchLabels(Map.of("k8s-app", name)).endSelector()
                    .withTemplate(template(name, false, List.of(), c)).endSpec().build()).create();
        }
    }

    private static PodTemplateSpec template(String name, boolean hostNetwork, List<Container> init, Container c) {
        return new PodTemplateSpecBuilder().withNewMetadata().withLabels(Map.of("k8s-app", name)).endMetadata()
                .withNewSpec().withHostNetwork(hostNetwork).withInitContainers(init).withContainers(c).endSpec().build();
    }

    /** k0s renders its components with {@code spec.images.default_pull_policy} (Never in our k0s.yaml). */
    private static Container container(String name, String image, String policy) {
        return new ContainerBuilder().withName(name).withImage(image).withImagePullPolicy(policy).build();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(2000);
        controllers.close();
    }
}
