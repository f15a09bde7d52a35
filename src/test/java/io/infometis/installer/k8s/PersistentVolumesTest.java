package io.infometis.installer.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.infometis.installer.InstallerException;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.BundleManifest.Volume;
import io.infometis.installer.k8s.PersistentVolumes.Action;
import io.infometis.installer.testing.PvCluster;

class PersistentVolumesTest {
    static final BundleManifest MANIFEST = new BundleManifest(1, "t", "1", null, "linux/amd64", null, List.of(), List.of(),
            List.of(new Volume("nifi", "provenance", "4Gi", 1000, 1000, "0750", "nifi-provenance"),
                    new Volume("kafka", "data", "10Gi", 1000, 1000, "0750", "kafka-data")), null);
    static final String DIR = "/var/lib/infometis-volumes";

    final PvCluster cluster = new PvCluster();
    final KubernetesClient client = cluster.client();
    final List<String> warnings = new ArrayList<>();

    @AfterEach
    void stop() {
        client.close();
        cluster.close();
    }

    private Map<String, Action> apply(String hostname) {
        return new PersistentVolumes(client, hostname, Duration.ofSeconds(5)).apply(MANIFEST, DIR, warnings::add).actions();
    }

    private void node(String name) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    }

    private PersistentVolumeClaim claim(String name) {
        return client.persistentVolumeClaims().inNamespace("infometis").resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(name).withNamespace("infometis").endMetadata().withNewSpec()
                .withAccessModes("ReadWriteOnce").withStorageClassName("infometis-local").withNewResources()
                .addToRequests("storage", new Quantity("4Gi")).endResources().endSpec().build()).create();
    }

    private PersistentVolume pv(String name) {
        return client.persistentVolumes().withName(name).get();
    }

    private static String nodeOf(PersistentVolume pv) {
        return pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms().get(0).getMatchExpressions().get(0)
                .getValues().get(0);
    }

    @Test
    void eachVolumeIsALocalVolumeOnThisNodePreBoundToItsClaim() {
        List<HasMetadata> objects = PersistentVolumes.forBundle(MANIFEST, DIR + "/", "infometis-1");
        PersistentVolume pv = (PersistentVolume) objects.get(0);
        assertEquals("infometis-nifi-provenance", pv.getMetadata().getName());
        assertEquals("/var/lib/infometis-volumes/nifi/provenance", pv.getSpec().getLocal().getPath());
        assertNull(pv.getSpec().getHostPath(), "a hostPath PV would bind on whatever node a pod lands");
        var expr = pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms().get(0).getMatchExpressions().get(0);
        assertEquals("kubernetes.io/hostname", expr.getKey());
        assertEquals("In", expr.getOperator());
        assertEquals(List.of("infometis-1"), expr.getValues());
        assertEquals("infometis-local", pv.getSpec().getStorageClassName());
        assertEquals("Retain", pv.getSpec().getPersistentVolumeReclaimPolicy());
        assertEquals("infometis", pv.getSpec().getClaimRef().getNamespace());
        assertEquals("nifi-provenance", pv.getSpec().getClaimRef().getName());
        assertNull(pv.getSpec().getClaimRef().getUid(), "pre-bound by name: any claim of that name binds");
        assertEquals("4Gi", pv.getSpec().getCapacity().get("storage").toString());
    }

    @Test
    void theStandInRefusesWhatARealApiServerRefuses() {
        node("infometis-1");
        apply("infometis-1");
        PersistentVolume moved = new PersistentVolumeBuilder(pv("infometis-kafka-data")).editSpec().editLocal()
                .withPath("/elsewhere").endLocal().endSpec().build();
        KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> client.resource(moved).update());
        assertEquals(422, e.getCode());
        PersistentVolume otherNode = new PersistentVolumeBuilder(pv("infometis-kafka-data")).editSpec()
                .withNodeAffinity(PersistentVolumes.onNode("node-2")).endSpec().build();
        assertEquals(422, assertThrows(KubernetesClientException.class, () -> client.resource(otherNode).update()).getCode());
        PersistentVolume noAffinity = new PersistentVolumeBuilder(pv("infometis-kafka-data")).editMetadata().withName("x")
                .withResourceVersion(null).endMetadata().editSpec().withNodeAffinity(null).endSpec().build();
        assertEquals(422, assertThrows(KubernetesClientException.class, () -> client.resource(noAffinity).create()).getCode());
    }

    @Test
    void createsOnTheClusterNodeAndARerunWritesNothing() {
        node("infometis-1");
        assertEquals(Map.of("infometis-nifi-provenance", Action.CREATED, "infometis-kafka-data", Action.CREATED), apply("vm"));
        assertEquals("infometis-1", nodeOf(pv("infometis-kafka-data")), "the only node, whatever the hostname says");
        String version = pv("infometis-kafka-data").getMetadata().getResourceVersion();
        assertEquals(Map.of("infometis-nifi-provenance", Action.UNCHANGED, "infometis-kafka-data", Action.UNCHANGED), apply("vm"));
        assertEquals(version, pv("infometis-kafka-data").getMetadata().getResourceVersion());
        assertEquals(List.of(), cluster.refusals);
    }

    @Test
    void theNodeIsTheHostnameLowerCasedAsK0sRegistersIt() {
        node("worker-2");
        node("kafka-host");
        apply("Kafka-Host\n");
        assertEquals("kafka-host", nodeOf(pv("infometis-nifi-provenance")));
    }

    @Test
    void withNoNodeYetTheVolumesGoToTheNameK0sWillRegister() {
        apply("Infometis-1");
        assertEquals("infometis-1", nodeOf(pv("infometis-nifi-provenance")));
    }

    @Test
    void severalNodesNoneOfThemThisHostIsRefused() {
        node("a");
        node("b");
        InstallerException e = assertThrows(InstallerException.class, () -> apply("c"));
        assertTrue(e.getMessage().contains("none named c"), e.getMessage());
    }

    @Test
    void aReleasedVolumeIsReboundSoAReinstallFindsItsData() {
        node("infometis-1");
        apply("infometis-1");
        PersistentVolumeClaim first = claim("nifi-provenance");
        cluster.syncPvController();
        assertEquals("Bound", pv("infometis-nifi-provenance").getStatus().getPhase());
        assertEquals(first.getMetadata().getUid(), pv("infometis-nifi-provenance").getSpec().getClaimRef().getUid());

        // The namespace is deleted: the claim goes, the PV (Retain) stays Released, still naming the old claim's uid.
        client.persistentVolumeClaims().inNamespace("infometis").withName("nifi-provenance").delete();
        cluster.syncPvController();
        assertEquals("Released", pv("infometis-nifi-provenance").getStatus().getPhase());
        PersistentVolumeClaim second = claim("nifi-provenance");
        cluster.syncPvController();
        assertEquals("Released", pv("infometis-nifi-provenance").getStatus().getPhase(),
                "without the rebind the new claim would wait forever");

        Map<String, Action> actions = apply("infometis-1");
        assertEquals(Action.REBOUND, actions.get("infometis-nifi-provenance"));
        assertEquals(Action.UNCHANGED, actions.get("infometis-kafka-data"));
        assertNull(pv("infometis-nifi-provenance").getSpec().getClaimRef().getUid());
        assertNull(pv("infometis-nifi-provenance").getSpec().getClaimRef().getResourceVersion());
        cluster.syncPvController();
        PersistentVolume bound = pv("infometis-nifi-provenance");
        assertEquals("Bound", bound.getStatus().getPhase());
        assertEquals(second.getMetadata().getUid(), bound.getSpec().getClaimRef().getUid());
        assertEquals("/var/lib/infometis-volumes/nifi/provenance", bound.getSpec().getLocal().getPath(), "the same directory");
        assertEquals(Action.UNCHANGED, apply("infometis-1").get("infometis-nifi-provenance"), "bound again: nothing to do");
        assertEquals(List.of(), cluster.refusals);
    }

    private void earlierHostPathPv(String name, String path) {
        client.persistentVolumes().resource(new PersistentVolumeBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withCapacity(Map.of("storage", new Quantity("4Gi"))).withAccessModes("ReadWriteOnce")
                .withPersistentVolumeReclaimPolicy("Retain").withStorageClassName("infometis-local")
                .withNewHostPath(path, "Directory").withNewClaimRef().withNamespace("infometis").withName("nifi-provenance")
                .endClaimRef().endSpec().build()).create();
    }

    @Test
    void aHostPathVolumeNoClaimHoldsIsReplacedByALocalOneOnTheSamePath() {
        node("infometis-1");
        earlierHostPathPv("infometis-nifi-provenance", DIR + "/nifi/provenance");
        Map<String, Action> actions = apply("infometis-1");
        assertEquals(Action.REPLACED, actions.get("infometis-nifi-provenance"));
        PersistentVolume now = pv("infometis-nifi-provenance");
        assertNull(now.getSpec().getHostPath());
        assertEquals(DIR + "/nifi/provenance", now.getSpec().getLocal().getPath());
        assertEquals(List.of(), cluster.refusals, "never tried to change the source in place");
        claim("nifi-provenance");
        cluster.syncPvController();
        assertEquals("Bound", pv("infometis-nifi-provenance").getStatus().getPhase());
    }

    @Test
    void aHostPathVolumeAClaimStillHoldsIsKeptWithAWarning() {
        node("infometis-1");
        earlierHostPathPv("infometis-nifi-provenance", DIR + "/nifi/provenance");
        claim("nifi-provenance");
        cluster.syncPvController();
        assertEquals(Action.KEPT, apply("infometis-1").get("infometis-nifi-provenance"));
        PersistentVolume still = pv("infometis-nifi-provenance");
        assertEquals(DIR + "/nifi/provenance", still.getSpec().getHostPath().getPath());
        assertNull(still.getMetadata().getDeletionTimestamp(), "no delete that pv-protection would leave hanging");
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("a hostPath volume on " + DIR + "/nifi/provenance")
                && warnings.get(0).contains("delete the claim (the data stays) and rerun"), warnings.get(0));
        assertEquals(List.of(), cluster.refusals);
    }

    @Test
    void aVolumeOnAnotherNodeNoClaimHoldsIsReplacedNotUpdated() {
        node("infometis-1");
        apply("infometis-1");
        client.nodes().withName("infometis-1").delete();
        node("renamed-host");
        assertEquals(Action.REPLACED, apply("renamed-host").get("infometis-kafka-data"));
        assertEquals("renamed-host", nodeOf(pv("infometis-kafka-data")));
        assertEquals(List.of(), cluster.refusals);
    }
}
