package io.infometis.installer.phase;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.K0sStatus;
import io.infometis.installer.k8s.Readiness;

/**
 * After the images are in k0s's containerd: {@code k0s status} answers, the API answers, a node is Ready, and k0s's
 * own system components in {@code kube-system} are rolled out (kube-router, kube-proxy, CoreDNS, metrics-server, as
 * {@code k0s.yaml} configures them, and whatever else k0s put there). While it waits it reads kube-system's pods, so a
 * sandbox that cannot be created or an image k0s cannot find ends the wait within the grace, naming the pod and the
 * image, instead of at the timeout.
 */
public final class NodeReadyPhase implements Phase {
    public static final String NAME = "node";
    static final String SYSTEM = "kube-system";

    private final K0sCli k0s;
    private final K0sReadiness readiness;
    private final Supplier<KubernetesClient> clients;
    private final Duration grace;
    private final Duration poll;
    private final Duration systemTimeout;

    /**
     * @param grace         how long a kube-system pod may show a hard problem before the phase fails
     * @param systemTimeout how long k0s's components may take once the node is Ready
     */
    public NodeReadyPhase(K0sCli k0s, K0sReadiness readiness, Supplier<KubernetesClient> clients, Duration grace,
            Duration poll, Duration systemTimeout) {
        this.k0s = k0s;
        this.readiness = readiness;
        this.clients = clients;
        this.grace = grace;
        this.poll = poll;
        this.systemTimeout = systemTimeout;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String title() {
        return "Wait for a Ready node";
    }

    @Override
    public Duration timeout() {
        return Duration.ofMinutes(20);
    }

    @Override
    public double weight() {
        return 2;
    }

    @Override
    public List<String> units(PhaseContext ctx) {
        List<String> units = new ArrayList<>(List.of("status", "api", "node-ready"));
        try {
            configured(K0sPhase.template()).forEach(w -> units.add(unit(w)));
        } catch (IOException e) {
            // units() must not fail; run() reports the missing template.
        }
        return units;
    }

    /** k0s answers, a node is Ready and every kube-system workload is rolled out: one look, no waiting. */
    @Override
    public boolean isDone(PhaseContext ctx) throws Exception {
        if (ctx.bundle() == null || ctx.isDryRun() || k0s.status() == null) {
            return false;
        }
        try (KubernetesClient client = clients.get()) {
            if (K0sReadiness.readyNode(client) == null) {
                return false;
            }
            for (HasMetadata w : systemWorkloads(client)) {
                if (Readiness.rolloutStatus(client.resource(w).get()).isPresent()) {
                    return false;
                }
            }
            return true;
        } catch (KubernetesClientException notYet) {
            return false;
        }
    }

    @Override
    public void run(PhaseContext ctx) throws Exception {
        ctx.unitStarted("status");
        K0sStatus status = readiness.status(ctx, k0s);
        ctx.unitDone("status", status.version() + " " + status.role());
        ctx.unitStarted("api");
        readiness.api(ctx);
        ctx.unitDone("api", "answers");
        try (KubernetesClient client = clients.get()) {
            Readiness pods = new Readiness(client, poll, grace, ctx::checkCancelled);
            ctx.unitStarted("node-ready");
            String node = readiness.nodeReady(ctx, c -> pods.checkNamespace("node not Ready", SYSTEM));
            ctx.unitDone("node-ready", node + " is Ready");
            for (HasMetadata w : systemWorkloads(client)) {
                String unit = unit(w);
                ctx.unitStarted(unit);
                pods.awaitWorkloads("k0s system component " + SYSTEM + "/" + w.getMetadata().getName(), List.of(w),
                        systemTimeout);
                ctx.unitDone(unit, "rolled out");
            }
        }
    }

    /** The configured components, then whatever else k0s has put into kube-system (konnectivity, …). */
    private static List<HasMetadata> systemWorkloads(KubernetesClient client) throws IOException {
        Map<String, HasMetadata> all = new LinkedHashMap<>();
        configured(K0sPhase.template()).forEach(w -> all.put(unit(w), w));
        client.apps().deployments().inNamespace(SYSTEM).list().getItems().forEach(d -> all.putIfAbsent(unit(d), d));
        client.apps().daemonSets().inNamespace(SYSTEM).list().getItems().forEach(d -> all.putIfAbsent(unit(d), d));
        return List.copyOf(all.values());
    }

    /**
     * What k0s deploys for this config (k0s's defaults unless k0s.yaml says otherwise): the kube-router CNI
     * (or Calico's node agent), kube-proxy unless {@code spec.network.kubeProxy.disabled}, CoreDNS, metrics-server.
     */
    static List<HasMetadata> configured(byte[] k0sYaml) throws IOException {
        JsonNode network = new YAMLMapper().readTree(k0sYaml).path("spec").path("network");
        List<HasMetadata> w = new ArrayList<>();
        String provider = network.path("provider").asText("kuberouter");
        w.add(daemonSet("calico".equals(provider) ? "calico-node" : "kube-router"));
        if (!network.path("kubeProxy").path("disabled").asBoolean(false)) {
            w.add(daemonSet("kube-proxy"));
        }
        w.add(deployment("coredns"));
        w.add(deployment("metrics-server"));
        return w;
    }

    private static HasMetadata daemonSet(String name) {
        return new DaemonSetBuilder().withNewMetadata().withName(name).withNamespace(SYSTEM).endMetadata().build();
    }

    private static HasMetadata deployment(String name) {
        return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(SYSTEM).endMetadata().build();
    }

    private static String unit(HasMetadata w) {
        return SYSTEM + "/" + w.getMetadata().getName();
    }

    @Override
    public void dryRun(PhaseContext ctx) throws Exception {
        ctx.plan("wait for 'k0s status', the Kubernetes API and a Ready node");
        ctx.plan("wait for k0s's components in kube-system: " + String.join(", ",
                configured(K0sPhase.template()).stream().map(w -> w.getMetadata().getName()).toList()));
    }
}
