package io.infometis.installer.k8s;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.InstallerException;
import io.infometis.installer.testing.FakeControllers;
import io.infometis.installer.testing.MockCluster;

/**
 * Readiness against the fabric8 mock API server: rollout status as kubectl decides it, and each pod problem a real
 * host shows, named with the pod, the reason and the next step once it has lasted the grace. The clock is stepped by
 * the test (each read advances it), so no assertion depends on wall-clock time.
 */
class ReadinessTest {
    static final String NS = "infometis";
    MockCluster cluster;
    KubernetesClient client;
    FakeControllers controllers;
    /** Advances 1 s per read: the grace (10 s) passes after a few polls whatever the machine's speed. */
    final AtomicLong clock = new AtomicLong();

    @BeforeEach
    void setUp() {
        cluster = new MockCluster();
        client = cluster.client();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (controllers != null) {
            controllers.close();
        }
        client.close();
        cluster.close();
    }

    private Readiness readiness() {
        return new Readiness(client, Duration.ofMillis(20), Duration.ofSeconds(10), () -> { },
                () -> clock.addAndGet(Duration.ofSeconds(1).toNanos()));
    }

    private static Deployment deployment(String name, String image) {
        return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata().withNewSpec()
                .withReplicas(1).withNewSelector().withMatchLabels(Map.of("app", name)).endSelector().withNewTemplate()
                .withNewMetadata().withLabels(Map.of("app", name)).endMetadata().withNewSpec().addNewContainer()
                .withName(name).withImage(image).withImagePullPolicy("IfNotPresent").endContainer().endSpec().endTemplate()
                .endSpec().build();
    }

    /** A Deployment held from the controllers, with one pod of the given status (what kubelet wrote). */
    private HasMetadata heldWithPod(String name, PodBuilder pod) {
        Deployment d = client.resource(deployment(name, "docker.io/library/busybox:1.35")).create();
        client.resource(pod.editOrNewMetadata().withName(name + "-abc").withNamespace(NS).withLabels(Map.of("app", name))
                .endMetadata().build()).create();
        return d;
    }

    private InstallerException awaitFails(HasMetadata workload, Duration timeout) {
        return assertThrows(InstallerException.class,
                () -> readiness().awaitWorkloads("stack component demo", List.of(workload), timeout));
    }

    private static ContainerStatus waiting(String reason, String message) {
        return new ContainerStatusBuilder().withName("demo").withImage("docker.io/library/busybox:1.35").withReady(false)
                .withNewState().withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState().build();
    }

    @Test
    void errImageNeverPullFailsAfterTheGraceNotTheTimeout() {
        HasMetadata d = heldWithPod("demo", new PodBuilder().withNewStatus().withPhase("Pending")
                .addToContainerStatuses(waiting("ErrImageNeverPull",
                        "Container image \"docker.io/library/busybox:1.35\" is not present with pull policy of Never"))
                .endStatus());

        InstallerException e = awaitFails(d, Duration.ofHours(1));

        assertTrue(e.getMessage().matches("stack component demo not ready after \\d+ s: Deployment demo: pod demo-abc "
                + "ErrImageNeverPull \\(container demo, image docker.io/library/busybox:1.35\\)"), e.getMessage());
        assertTrue(e.hint().contains("missing from the bundle"), e.hint());
        assertTrue(clock.get() < Duration.ofMinutes(1).toNanos(), "gave up within the grace, long before the hour");
    }

    @Test
    void aSandboxThatCannotBeCreatedIsReadFromKubeletsWarningEvent() {
        HasMetadata d = heldWithPod("demo", new PodBuilder().withNewStatus().withPhase("Pending")
                .addToContainerStatuses(waiting("ContainerCreating", null)).endStatus());
        client.v1().events().inNamespace(NS).resource(new EventBuilder().withNewMetadata().withName("demo-abc.1")
                .endMetadata().withType("Warning").withReason("FailedCreatePodSandBox").withNewInvolvedObject()
                .withKind("Pod").withName("demo-abc").withNamespace(NS).endInvolvedObject()
                .withMessage("Failed to create pod sandbox: rpc error: code = Unknown desc = failed to get sandbox image "
                        + "\"quay.io/k0sproject/pause:3.10.1\": not found").build()).create();

        InstallerException e = awaitFails(d, Duration.ofHours(1));

        assertTrue(e.getMessage().contains("pod demo-abc FailedCreatePodSandBox (Failed to create pod sandbox: "), e.getMessage());
        assertTrue(e.getMessage().contains("quay.io/k0sproject/pause:3.10.1"), e.getMessage());
        assertTrue(e.hint().contains("pause image"), e.hint());
    }

    @Test
    void crashLoopBackOffNamesTheLastExitAndPointsAtThePreviousLog() {
        HasMetadata d = heldWithPod("demo", new PodBuilder().withNewStatus().withPhase("Running")
                .addToContainerStatuses(new ContainerStatusBuilder(waiting("CrashLoopBackOff", "back-off 40s"))
                        .withRestartCount(4).withNewLastState().withNewTerminated().withExitCode(1).withReason("Error")
                        .endTerminated().endLastState().build()).endStatus());

        InstallerException e = awaitFails(d, Duration.ofHours(1));

        assertTrue(e.getMessage().endsWith("pod demo-abc CrashLoopBackOff (container demo, image "
                + "docker.io/library/busybox:1.35, restarts 4, last exit 1 Error)"), e.getMessage());
        assertEquals("read its log: k0s kubectl -n infometis logs demo-abc -c demo --previous", e.hint());
    }

    @Test
    void oomKilledIsNamedAsSuchNotAsACrash() {
        HasMetadata d = heldWithPod("demo", new PodBuilder().withNewStatus().withPhase("Running")
                .addToContainerStatuses(new ContainerStatusBuilder(waiting("CrashLoopBackOff", "back-off 40s"))
                        .withRestartCount(2).withNewLastState().withNewTerminated().withExitCode(137)
                        .withReason("OOMKilled").endTerminated().endLastState().build()).endStatus());

        InstallerException e = awaitFails(d, Duration.ofHours(1));

        assertTrue(e.getMessage().contains("pod demo-abc OOMKilled (container demo"), e.getMessage());
        assertTrue(e.hint().contains("memory limit"), e.hint());
    }

    @Test
    void pendingForAnUnboundClaimSaysWhichStepWritesTheVolume() {
        HasMetadata d = heldWithPod("demo", new PodBuilder().withNewStatus().withPhase("Pending").addNewCondition()
                .withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                .withMessage("0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: "
                        + "0/1 nodes are available: 1 Preemption is not helpful for scheduling.").endCondition().endStatus());

        InstallerException e = awaitFails(d, Duration.ofHours(1));

        assertTrue(e.getMessage().contains("pod demo-abc Pending: Unschedulable (0/1 nodes are available: pod has unbound "
                + "immediate PersistentVolumeClaims."), e.getMessage());
        assertTrue(e.hint().contains("get pvc") && e.hint().contains("PersistentVolume"), e.hint());
    }

    @Test
    void pendingForTooLittleMemoryOrCpuNamesTheResource() {
        HasMetadata d = heldWithPod("demo", new PodBuilder().withNewStatus().withPhase("Pending").addNewCondition()
                .withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                .withMessage("0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No "
                        + "preemption victims found for incoming pod.").endCondition().endStatus());

        InstallerException e = awaitFails(d, Duration.ofHours(1));

        assertTrue(e.getMessage().contains("Pending: Unschedulable (0/1 nodes are available: 1 Insufficient memory."),
                e.getMessage());
        assertTrue(e.hint().startsWith("the node has too little memory"), e.hint());

        Optional<PodDiagnosis> cpu = PodDiagnosis.of(new PodBuilder().withNewMetadata().withName("p").withNamespace(NS)
                .endMetadata().withNewStatus().addNewCondition().withType("PodScheduled").withStatus("False")
                .withReason("Unschedulable").withMessage("0/1 nodes are available: 1 Insufficient cpu.").endCondition()
                .endStatus().build(), List.of());
        assertTrue(cpu.orElseThrow().hard() && cpu.get().next().startsWith("the node has too little CPU"), cpu.toString());
    }

    @Test
    void aTransientProblemShorterThanTheGraceDoesNotFail() {
        // Unschedulable for the not-ready taint is what a starting node shows: not hard, the wait goes on to its timeout.
        HasMetadata d = heldWithPod("demo", new PodBuilder().withNewStatus().withPhase("Pending").addNewCondition()
                .withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                .withMessage("0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.")
                .endCondition().endStatus());

        InstallerException e = awaitFails(d, Duration.ofSeconds(15));

        assertTrue(e.getMessage().startsWith("stack component demo not ready after 15 s: Deployment demo: pod demo-abc "
                + "Pending: Unschedulable"), e.getMessage());
        assertTrue(clock.get() >= Duration.ofSeconds(15).toNanos(), "waited for the timeout, past the grace");
    }

    @Test
    void aRolledDeploymentWhoseNewPodCrashesWhileTheOldServesIsNotReady() throws Exception {
        String v1 = "docker.io/infometis/app:1";
        String v2 = "docker.io/infometis/app:2";
        controllers = new FakeControllers(cluster.client()).crash(v2);
        Deployment d = client.resource(deployment("app", v1)).create();
        readiness().awaitWorkloads("stack component app", List.of(d), Duration.ofMinutes(5));

        Deployment rolled = client.apps().deployments().inNamespace(NS).withName("app").edit(x -> new DeploymentBuilder(x)
                .editSpec().editTemplate().editSpec().editFirstContainer().withImage(v2).endContainer().endSpec()
                .endTemplate().endSpec().build());
        // What the old rule (ready >= n && updated >= n) saw as done: the old pod serves, the new one is "updated".
        awaitStatus(rolled, 2, 1);
        Deployment seen = client.apps().deployments().inNamespace(NS).withName("app").get();
        assertTrue(seen.getStatus().getReadyReplicas() >= 1 && seen.getStatus().getUpdatedReplicas() >= 1);
        assertEquals(Optional.of("1 old replicas pending termination"), Readiness.rolloutStatus(seen));

        InstallerException e = assertThrows(InstallerException.class,
                () -> readiness().awaitWorkloads("stack component app", List.of(rolled), Duration.ofHours(1)));

        assertTrue(e.getMessage().contains("CrashLoopBackOff (container app, image " + v2), e.getMessage());
        List<Pod> pods = client.pods().inNamespace(NS).list().getItems();
        assertTrue(pods.stream().anyMatch(p -> p.getSpec().getContainers().get(0).getImage().equals(v1)
                && PodDiagnosis.isReady(p)), "the old pod still serves");
    }

    @Test
    void aStatefulSetIsDoneOnlyWhenItsCurrentRevisionIsTheUpdateRevision() {
        StatefulSet s = new StatefulSetBuilder().withNewMetadata().withName("kafka").withNamespace(NS).withGeneration(2L)
                .endMetadata().withNewSpec().withReplicas(1).withNewUpdateStrategy().withType("RollingUpdate")
                .withNewRollingUpdate().withPartition(0).endRollingUpdate().endUpdateStrategy().endSpec().withNewStatus()
                .withObservedGeneration(2L).withReplicas(1).withReadyReplicas(1).withUpdatedReplicas(1)
                .withCurrentRevision("kafka-a").withUpdateRevision("kafka-b").endStatus().build();
        assertEquals(Optional.of("rolling update to revision kafka-b not complete (1 pods updated)"),
                Readiness.rolloutStatus(s));
        s.getStatus().setCurrentRevision("kafka-b");
        assertEquals(Optional.empty(), Readiness.rolloutStatus(s));
        s.getStatus().setObservedGeneration(1L);
        assertEquals(Optional.of("spec update not observed yet"), Readiness.rolloutStatus(s));
    }

    @Test
    void aStatefulSetWhoseNewPodCrashesFailsWithThatPodsReason() {
        String v2 = "docker.io/apache/kafka:3.9.1";
        controllers = new FakeControllers(cluster.client()).crash(v2);
        StatefulSet s = client.resource(new StatefulSetBuilder().withNewMetadata().withName("kafka").withNamespace(NS)
                .endMetadata().withNewSpec().withReplicas(1).withServiceName("kafka").withNewSelector()
                .withMatchLabels(Map.of("app", "kafka")).endSelector().withNewTemplate().withNewMetadata()
                .withLabels(Map.of("app", "kafka")).endMetadata().withNewSpec().addNewContainer().withName("kafka")
                .withImage("docker.io/apache/kafka:3.9.0").endContainer().endSpec().endTemplate().endSpec().build())
                .create();
        assertDoesNotThrow(() -> readiness().awaitWorkloads("stack component kafka", List.of(s), Duration.ofMinutes(5)));

        client.apps().statefulSets().inNamespace(NS).withName("kafka").edit(x -> new StatefulSetBuilder(x).editSpec()
                .editTemplate().editSpec().editFirstContainer().withImage(v2).endContainer().endSpec().endTemplate()
                .endSpec().build());

        InstallerException e = assertThrows(InstallerException.class,
                () -> readiness().awaitWorkloads("stack component kafka", List.of(s), Duration.ofHours(1)));
        assertTrue(e.getMessage().contains("StatefulSet kafka: pod kafka-0 CrashLoopBackOff (container kafka, image " + v2),
                e.getMessage());
        StatefulSet seen = client.apps().statefulSets().inNamespace(NS).withName("kafka").get();
        assertTrue(!seen.getStatus().getCurrentRevision().equals(seen.getStatus().getUpdateRevision()),
                "the controller keeps the old revision as current while the new pod is not Ready");
    }

    private void awaitStatus(Deployment d, int replicas, int updated) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            var s = client.apps().deployments().inNamespace(NS).withName(d.getMetadata().getName()).get().getStatus();
            if (s != null && s.getObservedGeneration() != null && s.getObservedGeneration() >= 2
                    && s.getReplicas() != null && s.getReplicas() == replicas && s.getUpdatedReplicas() == updated) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the controllers never rolled " + d.getMetadata().getName());
    }
}
