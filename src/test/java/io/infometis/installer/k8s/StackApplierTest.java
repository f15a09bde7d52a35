package io.infometis.installer.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;

@EnableKubernetesMockClient(crud = true)
class StackApplierTest {
    KubernetesClient client;

    @Test
    void createsThenLeavesAnUnchangedObjectAloneThenUpdatesAChangedOne() {
        StackApplier applier = new StackApplier(client);
        assertEquals(StackApplier.Result.CREATED, applier.apply(configMap("1")));
        String version = live().getMetadata().getResourceVersion();
        assertEquals(StackApplier.Result.UNCHANGED, applier.apply(configMap("1")));
        assertEquals(version, live().getMetadata().getResourceVersion(), "no write for an unchanged manifest");
        assertEquals(StackApplier.Result.UPDATED, applier.apply(configMap("2")));
        assertEquals("2", live().getData().get("k"));
        assertEquals(StackManifests.digestOf(configMap("2")), live().getMetadata().getAnnotations().get(StackApplier.DIGEST));
    }

    @Test
    void keepsAnExistingClaimWhoseManifestChanged() {
        StackApplier applier = new StackApplier(client);
        assertEquals(StackApplier.Result.CREATED, applier.apply(claim("1Gi")));
        assertEquals(StackApplier.Result.KEPT, applier.apply(claim("2Gi")));
        PersistentVolumeClaim live = client.persistentVolumeClaims().inNamespace("infometis").withName("data").get();
        assertEquals(new Quantity("1Gi"), live.getSpec().getResources().getRequests().get("storage"));
    }

    @Test
    void updatingAServiceKeepsItsAllocatedClusterIp() {
        StackApplier applier = new StackApplier(client);
        applier.apply(service(80));
        Service live = client.services().inNamespace("infometis").withName("web").get();
        live.getSpec().setClusterIP("10.96.0.42");
        client.resource(live).update();
        assertEquals(StackApplier.Result.UPDATED, applier.apply(service(8080)));
        Service after = client.services().inNamespace("infometis").withName("web").get();
        assertEquals("10.96.0.42", after.getSpec().getClusterIP());
        assertEquals(8080, after.getSpec().getPorts().get(0).getPort());
    }

    @Test
    void applyingTheSameManifestObjectTwiceNeverChangesIt() {
        StackApplier applier = new StackApplier(client);
        ConfigMap manifest = configMap("1");
        applier.apply(manifest);
        assertEquals(java.util.Map.of(), manifest.getMetadata().getAnnotations(), "the manifest object itself is not stamped");
        assertEquals(StackApplier.Result.UNCHANGED, applier.apply(manifest));
    }

    private ConfigMap live() {
        return client.configMaps().inNamespace("infometis").withName("c").get();
    }

    private static ConfigMap configMap(String value) {
        return new ConfigMapBuilder().withNewMetadata().withName("c").withNamespace("infometis").endMetadata()
                .addToData("k", value).build();
    }

    private static PersistentVolumeClaim claim(String size) {
        return new PersistentVolumeClaimBuilder().withNewMetadata().withName("data").withNamespace("infometis")
                .endMetadata().withNewSpec().withStorageClassName("infometis-local").withAccessModes("ReadWriteOnce")
                .withNewResources().addToRequests("storage", new Quantity(size)).endResources().endSpec().build();
    }

    private static Service service(int port) {
        return new ServiceBuilder().withNewMetadata().withName("web").withNamespace("infometis").endMetadata()
                .withNewSpec().addToSelector("app", "web").addNewPort().withName("http").withPort(port).endPort()
                .endSpec().build();
    }
}
