package io.infometis.installer.k8s;

import java.util.List;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.progress.ProgressSnapshot.AccessEntry;

/**
 * Where the operator reaches the stack once it runs: the UIs and REST APIs through Traefik on the node's address
 * (the routes of the manifests' Ingresses and Traefik's dashboard router; docs/stack.md), and Kafka's bootstrap
 * address inside the cluster. StackManifestValidationTest checks each path against the manifests.
 */
public final class StackAccess {
    private StackAccess() {
    }

    public static List<AccessEntry> summary(KubernetesClient client) {
        return summary(nodeAddress(client));
    }

    static List<AccessEntry> summary(String host) {
        return List.of(
                new AccessEntry("Grafana", "http://" + host + "/grafana/"),
                new AccessEntry("Flink UI", "http://" + host + ":8083/"),
                new AccessEntry("NiFi", "http://" + host + "/nifi/"),
                new AccessEntry("Prometheus", "http://" + host + "/prometheus/"),
                new AccessEntry("Alertmanager", "http://" + host + "/alertmanager/"),
                new AccessEntry("Traefik dashboard", "http://" + host + "/dashboard/"),
                new AccessEntry("ksqlDB REST API", "http://" + host + "/ksqldb/info"),
                new AccessEntry("Schema Registry REST API", "http://" + host + "/schema-registry/subjects"),
                new AccessEntry("Elasticsearch REST API", "http://" + host + "/elasticsearch/"),
                new AccessEntry("Kafka bootstrap (in the cluster)", "kafka-service.infometis.svc.cluster.local:9092"));
    }

    /** The first node's InternalIP: Traefik listens on the host network of the single node. */
    static String nodeAddress(KubernetesClient client) {
        for (Node n : client.nodes().list().getItems()) {
            if (n.getStatus() != null && n.getStatus().getAddresses() != null) {
                for (NodeAddress a : n.getStatus().getAddresses()) {
                    if ("InternalIP".equals(a.getType())) {
                        return a.getAddress();
                    }
                }
            }
        }
        return "localhost";
    }
}
