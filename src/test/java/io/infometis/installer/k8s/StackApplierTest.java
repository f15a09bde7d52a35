package io.infometis.installer.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClassBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.infometis.installer.InstallerException;
import io.infometis.installer.testing.StrictApiServer;

/** Against {@link StrictApiServer}: the CRUD mock with the apiserver's 409 on a stale write and 422 on an immutable field. */
class StackApplierTest {
    StrictApiServer server;
    KubernetesClient client;
    List<String> notices = new ArrayList<>();

    @BeforeEach
    void start() {
        server = new StrictApiServer();
        client = server.client();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    StackApplier applier() {
        return new StackApplier(client, notices::add, Duration.ofSeconds(5), Duration.ofMillis(10));
    }

    @Test
    void theStandInRefusesAStaleWriteAndAnImmutableChangeAsTheApiServerDoes() {
        client.resource(configMap("1")).create();
        ConfigMap stale = live();
        client.resource(live()).edit(c -> { c.getData().put("k", "other"); return c; });
        stale.getData().put("k", "mine");
        KubernetesClientException conflict = assertThrows(KubernetesClientException.class, () -> client.resource(stale).update());
        assertEquals(409, conflict.getCode());
        assertTrue(conflict.getStatus().getMessage().contains("the object has been modified"), conflict.getMessage());
        client.resource(statefulSet("kafka-service", "kafka")).create();
        StatefulSet changed = client.apps().statefulSets().inNamespace("infometis").withName("kafka").get();
        changed.getSpec().setServiceName("kafka-headless");
        KubernetesClientException invalid = assertThrows(KubernetesClientException.class, () -> client.resource(changed).update());
        assertEquals(422, invalid.getCode());
        assertTrue(invalid.getStatus().getMessage().startsWith("StatefulSet.apps \"kafka\" is invalid: spec: Forbidden: "
                + "updates to statefulset spec for fields other than"), invalid.getStatus().getMessage());
    }

    @Test
    void aControllerWritingBetweenReadAndUpdateIsReadAgainAndRetried() {
        StackApplier applier = applier();
        applier.apply(configMap("1"));
        server.interfereAfterNextRead("/api/v1/namespaces/infometis/configmaps/c");
        assertEquals(StackApplier.Result.UPDATED, applier.apply(configMap("2")));
        assertEquals("2", live().getData().get("k"));
        assertEquals(2, server.requests().stream().filter(r -> r.equals("PUT /api/v1/namespaces/infometis/configmaps/c"))
                .count(), "one refused PUT, one that went through: " + server.requests());
    }

    @Test
    void aWriterThatNeverStopsIsReportedAfterABoundedNumberOfAttempts() {
        StackApplier applier = applier();
        applier.apply(configMap("1"));
        server.interfereAfterReads("/api/v1/namespaces/infometis/configmaps/c", 100);
        InstallerException e = assertThrows(InstallerException.class, () -> applier.apply(configMap("2")));
        assertTrue(e.getMessage().contains("still in conflict after 5 attempts"), e.getMessage());
        assertEquals(5, server.requests().stream().filter(r -> r.equals("PUT /api/v1/namespaces/infometis/configmaps/c"))
                .count());
    }

    @Test
    void aStatefulSetWhoseServiceNameChangesIsRecreatedWithItsPodsLeftForTheNewOne() {
        StackApplier applier = applier();
        applier.apply(statefulSet("kafka-service", "kafka"));
        String uid = client.apps().statefulSets().inNamespace("infometis").withName("kafka").get().getMetadata().getUid();
        assertEquals(StackApplier.Result.RECREATED, applier.apply(statefulSet("kafka-headless", "kafka")));
        StatefulSet after = client.apps().statefulSets().inNamespace("infometis").withName("kafka").get();
        assertEquals("kafka-headless", after.getSpec().getServiceName());
        assertNotEquals(uid, after.getMetadata().getUid(), "a new object");
        assertTrue(server.requests().contains("DELETE /apis/apps/v1/namespaces/infometis/statefulsets/kafka"), server.requests().toString());
        assertTrue(notices.get(0).contains("spec.serviceName") && notices.get(0).contains("pods left running"), notices.toString());
        assertEquals(StackApplier.Result.UNCHANGED, applier.apply(statefulSet("kafka-headless", "kafka")));
    }

    @Test
    void aStatefulSetWhoseSelectorChangesTakesItsPodsAlong() {
        StackApplier applier = applier();
        applier.apply(statefulSet("kafka-service", "kafka"));
        assertEquals(StackApplier.Result.RECREATED, applier.apply(statefulSet("kafka-service", "broker")));
        assertTrue(notices.get(0).contains("spec.selector") && notices.get(0).contains("and its pods"), notices.toString());
        assertEquals("broker", client.apps().statefulSets().inNamespace("infometis").withName("kafka").get().getSpec()
                .getSelector().getMatchLabels().get("app"));
    }

    @Test
    void aDeploymentSelectorAStorageClassABindingAndAnIngressClassAreRecreated() {
        StackApplier applier = applier();
        applier.apply(deployment("web"));
        assertEquals(StackApplier.Result.RECREATED, applier.apply(deployment("web2")));
        applier.apply(storageClass("kubernetes.io/no-provisioner"));
        assertEquals(StackApplier.Result.RECREATED, applier.apply(storageClass("rancher.io/local-path")));
        assertEquals("rancher.io/local-path", client.storage().v1().storageClasses().withName("local").get().getProvisioner());
        applier.apply(binding("view"));
        assertEquals(StackApplier.Result.RECREATED, applier.apply(binding("edit")));
        assertEquals("edit", client.rbac().clusterRoleBindings().withName("b").get().getRoleRef().getName());
        applier.apply(ingressClass("traefik.io/ingress-controller"));
        assertEquals(StackApplier.Result.RECREATED, applier.apply(ingressClass("example.com/other")));
        assertEquals(4, notices.size(), notices.toString());
    }

    @Test
    void aServiceTurnedHeadlessIsRecreatedNotGivenItsOldAddressBack() {
        StackApplier applier = applier();
        applier.apply(service(80));
        assertTrue(client.services().inNamespace("infometis").withName("web").get().getSpec().getClusterIP().startsWith("10.96."));
        Service headless = service(80);
        headless.getSpec().setClusterIP("None");
        assertEquals(StackApplier.Result.RECREATED, applier.apply(headless));
        assertEquals("None", client.services().inNamespace("infometis").withName("web").get().getSpec().getClusterIP());
    }

    @Test
    void createsThenLeavesAnUnchangedObjectAloneThenUpdatesAChangedOne() {
        StackApplier applier = applier();
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
        StackApplier applier = applier();
        assertEquals(StackApplier.Result.CREATED, applier.apply(claim("1Gi")));
        assertEquals(StackApplier.Result.KEPT, applier.apply(claim("2Gi")));
        assertTrue(notices.get(0).contains("spec.resources.requests.storage"), notices.toString());
        PersistentVolumeClaim live = client.persistentVolumeClaims().inNamespace("infometis").withName("data").get();
        assertEquals(new Quantity("1Gi"), live.getSpec().getResources().getRequests().get("storage"));
    }

    @Test
    void updatingAServiceKeepsItsAllocatedClusterIp() {
        StackApplier applier = applier();
        applier.apply(service(80));
        String allocated = client.services().inNamespace("infometis").withName("web").get().getSpec().getClusterIP();
        assertEquals(StackApplier.Result.UPDATED, applier.apply(service(8080)));
        Service after = client.services().inNamespace("infometis").withName("web").get();
        assertEquals(allocated, after.getSpec().getClusterIP());
        assertEquals(8080, after.getSpec().getPorts().get(0).getPort());
    }

    @Test
    void applyingTheSameManifestObjectTwiceNeverChangesIt() {
        StackApplier applier = applier();
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

    private static StatefulSet statefulSet(String serviceName, String app) {
        return new StatefulSetBuilder().withNewMetadata().withName("kafka").withNamespace("infometis").endMetadata()
                .withNewSpec().withServiceName(serviceName).withNewSelector().addToMatchLabels("app", app).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", app).endMetadata().withNewSpec().addNewContainer()
                .withName("kafka").withImage("docker.io/apache/kafka:3.9.0").endContainer().endSpec().endTemplate()
                .endSpec().build();
    }

    private static Deployment deployment(String app) {
        return new DeploymentBuilder().withNewMetadata().withName("web").withNamespace("infometis").endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", app).endSelector().withNewTemplate()
                .withNewMetadata().addToLabels("app", app).endMetadata().withNewSpec().addNewContainer().withName("w")
                .withImage("i").endContainer().endSpec().endTemplate().endSpec().build();
    }

    private static StorageClass storageClass(String provisioner) {
        return new StorageClassBuilder().withNewMetadata().withName("local").endMetadata().withProvisioner(provisioner)
                .withVolumeBindingMode("WaitForFirstConsumer").build();
    }

    private static ClusterRoleBinding binding(String role) {
        return new ClusterRoleBindingBuilder().withNewMetadata().withName("b").endMetadata().withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(role).endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName("s").withNamespace("infometis").endSubject().build();
    }

    private static IngressClass ingressClass(String controller) {
        return new IngressClassBuilder().withNewMetadata().withName("traefik").endMetadata().withNewSpec()
                .withController(controller).endSpec().build();
    }

    private static Service service(int port) {
        return new ServiceBuilder().withNewMetadata().withName("web").withNamespace("infometis").endMetadata()
                .withNewSpec().addToSelector("app", "web").addNewPort().withName("http").withPort(port).endPort()
                .endSpec().build();
    }
}
