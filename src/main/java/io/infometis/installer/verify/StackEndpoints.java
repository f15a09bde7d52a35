package io.infometis.installer.verify;

import java.net.URI;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Where the installer, on the node, reaches the stack: a Service's cluster IP (kube-proxy routes it for the node's
 * own traffic too) and, for Kafka, the broker pod's IP, because the broker advertises its pod IP and a client must
 * reach the address the broker advertises. Cluster DNS names do not resolve on the node, so none are used.
 */
public final class StackEndpoints {
    public static final String NAMESPACE = "infometis";
    private final KubernetesClient client;

    public StackEndpoints(KubernetesClient client) {
        this.client = client;
    }

    /** {@code http://<clusterIP>:<port>} of the Service's port named {@code portName} (or its only port). */
    public URI http(String service, String portName) throws CheckFailed {
        Service s = client.services().inNamespace(NAMESPACE).withName(service).get();
        if (s == null) {
            throw new CheckFailed("Service " + service + " does not exist",
                    "rerun 'infometis install' so the stack phase applies it");
        }
        String ip = s.getSpec().getClusterIP();
        if (ip == null || ip.isBlank() || "None".equals(ip)) {
            throw new CheckFailed("Service " + service + " has no cluster IP", "check the Service with kubectl");
        }
        for (ServicePort p : s.getSpec().getPorts()) {
            if (portName.equals(p.getName()) || s.getSpec().getPorts().size() == 1) {
                return URI.create("http://" + hostLiteral(ip) + ":" + p.getPort());
            }
        }
        throw new CheckFailed("Service " + service + " has no port named " + portName, "check the Service with kubectl");
    }

    /** {@code <podIP>:<containerPort named kafka>} of a Running Kafka broker pod. */
    public String kafkaBootstrap() throws CheckFailed {
        for (Pod p : client.pods().inNamespace(NAMESPACE).withLabel("app.kubernetes.io/name", "kafka").list()
                .getItems()) {
            String ip = p.getStatus() == null ? null : p.getStatus().getPodIP();
            if (ip == null || !"Running".equals(p.getStatus().getPhase())) {
                continue;
            }
            for (var c : p.getSpec().getContainers()) {
                for (ContainerPort port : c.getPorts()) {
                    if ("kafka".equals(port.getName())) {
                        return hostLiteral(ip) + ":" + port.getContainerPort();
                    }
                }
            }
        }
        throw new CheckFailed("no running Kafka broker pod with a port named kafka",
                "check 'kubectl -n infometis get pods -l app.kubernetes.io/name=kafka'");
    }

    private static String hostLiteral(String ip) {
        return ip.contains(":") ? "[" + ip + "]" : ip;
    }
}
