package io.infometis.installer.k8s;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;

/**
 * Waits until a component's Deployments and StatefulSets have all their replicas ready, polling (a watch would
 * have to be re-established after every API hiccup during k0s' first minutes). On timeout it names the
 * component and the reason its first unready pod gives, with what to do about it.
 */
public final class Readiness {
    private final KubernetesClient client;
    private final Duration pollInterval;
    private final Duration pullGrace;
    private final Runnable checkpoint;

    /**
     * @param pullGrace  how long a pod may fail to pull its image before the wait gives up early: in an air gap
     *                   nothing can be pulled, so waiting for the full timeout would only delay the same failure
     * @param checkpoint called between polls; throws to stop the wait (cancellation)
     */
    public Readiness(KubernetesClient client, Duration pollInterval, Duration pullGrace, Runnable checkpoint) {
        this.client = client;
        this.pollInterval = pollInterval;
        this.pullGrace = pullGrace;
        this.checkpoint = checkpoint;
    }

    /** The workloads among a component's objects: what readiness is measured on. */
    public static List<HasMetadata> workloads(List<HasMetadata> objects) {
        return objects.stream().filter(o -> o instanceof Deployment || o instanceof StatefulSet).toList();
    }

    public void await(String component, List<HasMetadata> objects, Duration timeout) throws InterruptedException {
        List<HasMetadata> waiting = new ArrayList<>(workloads(objects));
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        Map<String, Long> pullFailingSince = new java.util.HashMap<>();
        while (true) {
            waiting.removeIf(this::isReady);
            if (waiting.isEmpty()) {
                return;
            }
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                throw notReady(component, waiting.get(0), timeout);
            }
            for (HasMetadata w : waiting) {
                Optional<String> pulling = unreadyPod(w).filter(p -> waitingContainer(p)
                        .map(c -> isPullFailure(c.getState().getWaiting().getReason())).orElse(false))
                        .map(p -> p.getMetadata().getName());
                if (pulling.isEmpty()) {
                    pullFailingSince.remove(w.getMetadata().getName());
                } else if (now - pullFailingSince.computeIfAbsent(w.getMetadata().getName(), k -> now)
                        >= pullGrace.toNanos()) {
                    throw notReady(component, w, Duration.ofNanos(now - start));
                }
            }
            checkpoint.run();
            Thread.sleep(pollInterval.toMillis());
        }
    }

    boolean isReady(HasMetadata workload) {
        HasMetadata live;
        try {
            live = client.resource(workload).get();
        } catch (KubernetesClientException apiHiccup) {
            // The API server of a fresh single node restarts now and then: not ready yet, ask again.
            return false;
        }
        if (live instanceof Deployment d) {
            int want = d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
            var s = d.getStatus();
            return s != null && current(d.getMetadata().getGeneration(), s.getObservedGeneration())
                    && n(s.getReadyReplicas()) >= want && (s.getUpdatedReplicas() == null || s.getUpdatedReplicas() >= want);
        }
        if (live instanceof StatefulSet st) {
            int want = st.getSpec() == null || st.getSpec().getReplicas() == null ? 1 : st.getSpec().getReplicas();
            var s = st.getStatus();
            return s != null && current(st.getMetadata().getGeneration(), s.getObservedGeneration())
                    && n(s.getReadyReplicas()) >= want && (s.getUpdatedReplicas() == null || s.getUpdatedReplicas() >= want);
        }
        return false;
    }

    /** The controller has seen the latest spec (when it reports which one it saw). */
    private static boolean current(Long generation, Long observed) {
        return generation == null || observed == null || observed >= generation;
    }

    private static int n(Integer i) {
        return i == null ? 0 : i;
    }

    private InstallerException notReady(String component, HasMetadata workload, Duration timeout) {
        String what = "stack component " + component + " not ready after " + human(timeout) + ": "
                + workload.getKind() + " " + workload.getMetadata().getName();
        Optional<Pod> pod = unreadyPod(workload);
        if (pod.isEmpty()) {
            return new InstallerException(what + " has no pod yet",
                    "see why: k0s kubectl -n " + ns(workload) + " describe " + workload.getKind().toLowerCase() + " "
                            + workload.getMetadata().getName() + "; rerun 'infometis install' to resume",
                    ExitCodes.FAILED);
        }
        Pod p = pod.get();
        String name = p.getMetadata().getName();
        String describe = "k0s kubectl -n " + ns(workload) + " describe pod " + name;
        Optional<ContainerStatus> waiting = waitingContainer(p);
        if (waiting.isPresent()) {
            ContainerStatus c = waiting.get();
            String reason = c.getState().getWaiting().getReason();
            String detail = what + ": pod " + name + " " + reason + " (container " + c.getName()
                    + (c.getImage() == null ? "" : ", image " + c.getImage()) + ")";
            if (isPullFailure(reason)) {
                return new InstallerException(detail, "the image is missing from the bundle (an air-gapped node "
                        + "cannot pull it): list it in bundle/bundle.yaml, rebuild the bundle and rerun; "
                        + "'k0s ctr -n k8s.io images ls' shows what was imported", ExitCodes.FAILED);
            }
            if ("CrashLoopBackOff".equals(reason)) {
                return new InstallerException(detail, "read its log: k0s kubectl -n " + ns(workload) + " logs " + name
                        + " -c " + c.getName() + " --previous", ExitCodes.FAILED);
            }
            return new InstallerException(detail, describe, ExitCodes.FAILED);
        }
        Optional<PodCondition> unscheduled = condition(p, "PodScheduled");
        if (unscheduled.isPresent()) {
            PodCondition c = unscheduled.get();
            return new InstallerException(what + ": pod " + name + " " + (c.getReason() == null ? "not scheduled"
                    : c.getReason()) + (c.getMessage() == null ? "" : " (" + c.getMessage() + ")"),
                    "the node lacks CPU, memory or the volume the pod asks for: " + describe, ExitCodes.FAILED);
        }
        String phase = p.getStatus() == null ? "Pending" : p.getStatus().getPhase();
        return new InstallerException(what + ": pod " + name + " " + phase + " but not ready (readiness probe failing)",
                "read its log: k0s kubectl -n " + ns(workload) + " logs " + name + "; " + describe, ExitCodes.FAILED);
    }

    private static boolean isPullFailure(String reason) {
        return reason != null && (reason.contains("ImagePull") || reason.equals("ErrImageNeverPull")
                || reason.equals("InvalidImageName"));
    }

    private Optional<Pod> unreadyPod(HasMetadata workload) {
        Map<String, String> selector = workload instanceof Deployment d ? d.getSpec().getSelector().getMatchLabels()
                : ((StatefulSet) workload).getSpec().getSelector().getMatchLabels();
        List<Pod> pods;
        try {
            pods = client.pods().inNamespace(ns(workload)).withLabels(selector).list().getItems();
        } catch (KubernetesClientException apiHiccup) {
            return Optional.empty();
        }
        return pods.stream().filter(p -> condition(p, "Ready").isPresent()).findFirst()
                .or(() -> pods.stream().findFirst());
    }

    /** The pod's condition of that type when it is not True. */
    private static Optional<PodCondition> condition(Pod p, String type) {
        if (p.getStatus() == null || p.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return p.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType()) && !"True".equals(c.getStatus())).findFirst();
    }

    private static Optional<ContainerStatus> waitingContainer(Pod p) {
        if (p.getStatus() == null) {
            return Optional.empty();
        }
        List<ContainerStatus> all = new ArrayList<>();
        if (p.getStatus().getInitContainerStatuses() != null) {
            all.addAll(p.getStatus().getInitContainerStatuses());
        }
        if (p.getStatus().getContainerStatuses() != null) {
            all.addAll(p.getStatus().getContainerStatuses());
        }
        return all.stream().filter(c -> c.getState() != null && c.getState().getWaiting() != null
                && c.getState().getWaiting().getReason() != null
                && !"PodInitializing".equals(c.getState().getWaiting().getReason())).findFirst();
    }

    private static String ns(HasMetadata h) {
        return h.getMetadata().getNamespace() == null ? PersistentVolumes.NAMESPACE : h.getMetadata().getNamespace();
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        return s >= 120 ? (s / 60) + " min" : s >= 1 ? s + " s" : d.toMillis() + " ms";
    }
}
