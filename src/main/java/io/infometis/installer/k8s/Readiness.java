package io.infometis.installer.k8s;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;

/**
 * Waits until workloads (Deployments, StatefulSets, DaemonSets) are rolled out the way {@code kubectl rollout status}
 * decides it, polling (a watch would have to be re-established after every API hiccup during k0s' first minutes).
 * While it waits it reads the pods: a hard problem ({@link PodDiagnosis}: an image that cannot be pulled, a sandbox
 * that cannot be created, a crash loop, OOMKilled, a claim with no volume, too little CPU or memory) that lasts the
 * {@code grace} ends the wait at once with the pod, the reason and the next step; otherwise the timeout names the first
 * workload still waiting and what its pod shows.
 */
public final class Readiness {
    private final KubernetesClient client;
    private final Duration pollInterval;
    private final Duration grace;
    private final Runnable checkpoint;
    private final LongSupplier nanoClock;
    /** pod/reason → when this poll loop first saw it. */
    private final Map<String, Long> problemSince = new HashMap<>();

    /**
     * @param grace      how long a pod may show a hard problem before the wait gives up early (about a minute: in an
     *                   air gap nothing can be pulled, so waiting for the full timeout would only delay the same failure)
     * @param checkpoint called between polls; throws to stop the wait (cancellation)
     */
    public Readiness(KubernetesClient client, Duration pollInterval, Duration grace, Runnable checkpoint) {
        this(client, pollInterval, grace, checkpoint, System::nanoTime);
    }

    /** @param nanoClock the clock the grace and the timeout are measured on (tests step it) */
    public Readiness(KubernetesClient client, Duration pollInterval, Duration grace, Runnable checkpoint,
            LongSupplier nanoClock) {
        this.client = client;
        this.pollInterval = pollInterval;
        this.grace = grace;
        this.checkpoint = checkpoint;
        this.nanoClock = nanoClock;
    }

    /** The workloads among a component's objects: what readiness is measured on. */
    public static List<HasMetadata> workloads(List<HasMetadata> objects) {
        return objects.stream().filter(o -> o instanceof Deployment || o instanceof StatefulSet || o instanceof DaemonSet)
                .toList();
    }

    public void await(String component, List<HasMetadata> objects, Duration timeout) throws InterruptedException {
        awaitWorkloads("stack component " + component, workloads(objects), timeout);
    }

    /**
     * @param subject what is waited for, as the failure names it (e.g. {@code stack component kafka})
     * @param workloads only kind, namespace and name are read; the live objects are fetched
     */
    public void awaitWorkloads(String subject, List<HasMetadata> workloads, Duration timeout) throws InterruptedException {
        List<HasMetadata> waiting = new ArrayList<>(workloads);
        long start = nanoClock.getAsLong();
        while (true) {
            waiting.removeIf(w -> rolloutStatus(live(w)).isEmpty());
            if (waiting.isEmpty()) {
                return;
            }
            long now = nanoClock.getAsLong();
            for (HasMetadata w : waiting) {
                Map<String, String> selector = selector(live(w));
                if (selector == null) {
                    continue;
                }
                checkPods(subject + " not ready after " + human(Duration.ofNanos(now - start)) + ": " + w.getKind() + " "
                        + w.getMetadata().getName(), ns(w), selector, now);
            }
            if (now - start - timeout.toNanos() >= 0) {
                throw notReady(subject, waiting.get(0), timeout);
            }
            checkpoint.run();
            Thread.sleep(pollInterval.toMillis());
        }
    }

    /**
     * One poll of every pod in a namespace (the node phase calls it while no node is Ready): throws once a pod has
     * shown the same hard problem for the grace.
     */
    public void checkNamespace(String subject, String namespace) {
        checkPods(subject + ": ", namespace, null, nanoClock.getAsLong());
    }

    private void checkPods(String what, String namespace, Map<String, String> selector, long now) {
        for (PodDiagnosis d : diagnoses(namespace, selector)) {
            if (!d.hard()) {
                continue;
            }
            long since = problemSince.computeIfAbsent(d.namespace() + "/" + d.pod() + "/" + d.reason(), k -> now);
            if (now - since >= grace.toNanos()) {
                throw new InstallerException((what.endsWith(": ") ? what : what + ": ") + d.describe(), d.next(),
                        ExitCodes.FAILED);
            }
        }
    }

    /** The problems of a namespace's pods (those matching the selector, when given). API hiccups read as none. */
    public List<PodDiagnosis> diagnoses(String namespace, Map<String, String> selector) {
        try {
            var pods = selector == null ? client.pods().inNamespace(namespace).list().getItems()
                    : client.pods().inNamespace(namespace).withLabels(selector).list().getItems();
            List<Event> events = pods.isEmpty() ? List.of() : client.v1().events().inNamespace(namespace).list().getItems();
            return pods.stream().sorted(Comparator.comparing((Pod p) -> p.getMetadata().getName()))
                    .map(p -> PodDiagnosis.of(p, events)).flatMap(Optional::stream).toList();
        } catch (KubernetesClientException apiHiccup) {
            return List.of();
        }
    }

    private HasMetadata live(HasMetadata workload) {
        try {
            return client.resource(workload).get();
        } catch (KubernetesClientException apiHiccup) {
            // The API server of a fresh single node restarts now and then: not ready yet, ask again.
            return null;
        }
    }

    boolean isReady(HasMetadata workload) {
        return rolloutStatus(live(workload)).isEmpty();
    }

    /**
     * What {@code kubectl rollout status} would still wait for (kubectl's {@code polymorphichelpers/rollout_status.go}),
     * or empty when the rollout is complete. Stricter where kubectl trusts defaults: a Deployment's updated, total and
     * available replicas must all equal the spec's, so an old pod still serving while the new one crashes is not done.
     */
    public static Optional<String> rolloutStatus(HasMetadata live) {
        if (live == null) {
            return Optional.of("not created yet");
        }
        long generation = live.getMetadata().getGeneration() == null ? 0 : live.getMetadata().getGeneration();
        if (live instanceof Deployment d) {
            var s = d.getStatus();
            int want = d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
            if (s == null || s.getObservedGeneration() == null || s.getObservedGeneration() < generation) {
                return Optional.of("spec update not observed yet");
            }
            if (s.getConditions() != null && s.getConditions().stream().anyMatch(c -> "Progressing".equals(c.getType())
                    && "ProgressDeadlineExceeded".equals(c.getReason()))) {
                return Optional.of("exceeded its progress deadline");
            }
            if (n(s.getUpdatedReplicas()) < want) {
                return Optional.of(n(s.getUpdatedReplicas()) + " of " + want + " new replicas updated");
            }
            if (n(s.getReplicas()) > n(s.getUpdatedReplicas())) {
                return Optional.of((n(s.getReplicas()) - n(s.getUpdatedReplicas())) + " old replicas pending termination");
            }
            if (n(s.getAvailableReplicas()) < n(s.getUpdatedReplicas())) {
                return Optional.of(n(s.getAvailableReplicas()) + " of " + n(s.getUpdatedReplicas())
                        + " updated replicas available");
            }
            return Optional.empty();
        }
        if (live instanceof StatefulSet st) {
            var s = st.getStatus();
            int want = st.getSpec() == null || st.getSpec().getReplicas() == null ? 1 : st.getSpec().getReplicas();
            if (s == null || s.getObservedGeneration() == null || s.getObservedGeneration() == 0
                    || s.getObservedGeneration() < generation) {
                return Optional.of("spec update not observed yet");
            }
            if (n(s.getReadyReplicas()) < want) {
                return Optional.of((want - n(s.getReadyReplicas())) + " pods not ready");
            }
            var strategy = st.getSpec().getUpdateStrategy();
            Integer partition = strategy == null || strategy.getRollingUpdate() == null ? null
                    : strategy.getRollingUpdate().getPartition();
            if (partition != null && partition > 0) {
                // A partitioned rollout leaves the pods below the partition at the old revision on purpose.
                return n(s.getUpdatedReplicas()) < want - partition
                        ? Optional.of(n(s.getUpdatedReplicas()) + " of " + (want - partition) + " new pods updated")
                        : Optional.empty();
            }
            if (s.getUpdateRevision() == null || !s.getUpdateRevision().equals(s.getCurrentRevision())) {
                return Optional.of("rolling update to revision " + s.getUpdateRevision() + " not complete ("
                        + n(s.getUpdatedReplicas()) + " pods updated)");
            }
            return Optional.empty();
        }
        if (live instanceof DaemonSet ds) {
            var s = ds.getStatus();
            if (s == null || s.getObservedGeneration() == null || s.getObservedGeneration() < generation) {
                return Optional.of("spec update not observed yet");
            }
            // A fresh DaemonSet reports 0 desired before the controller has counted the nodes: not done.
            if (n(s.getDesiredNumberScheduled()) == 0) {
                return Optional.of("no node scheduled yet");
            }
            if (n(s.getUpdatedNumberScheduled()) < n(s.getDesiredNumberScheduled())) {
                return Optional.of(n(s.getUpdatedNumberScheduled()) + " of " + n(s.getDesiredNumberScheduled())
                        + " new pods updated");
            }
            if (n(s.getNumberAvailable()) < n(s.getDesiredNumberScheduled())) {
                return Optional.of(n(s.getNumberAvailable()) + " of " + n(s.getDesiredNumberScheduled()) + " pods available");
            }
            return Optional.empty();
        }
        return Optional.of("not a workload");
    }

    private static int n(Integer i) {
        return i == null ? 0 : i;
    }

    private InstallerException notReady(String subject, HasMetadata workload, Duration timeout) {
        HasMetadata live = live(workload);
        String what = subject + " not ready after " + human(timeout) + ": " + workload.getKind() + " "
                + workload.getMetadata().getName();
        String describe = "k0s kubectl -n " + ns(workload) + " describe ";
        if (live == null) {
            return new InstallerException(what + " does not exist", "see what was applied: k0s kubectl -n " + ns(workload)
                    + " get all; rerun 'infometis install' to resume", ExitCodes.FAILED);
        }
        List<PodDiagnosis> problems = diagnoses(ns(workload), selector(live));
        if (!problems.isEmpty()) {
            PodDiagnosis d = problems.stream().filter(PodDiagnosis::hard).findFirst().orElse(problems.get(0));
            return new InstallerException(what + ": " + d.describe(), d.next(), ExitCodes.FAILED);
        }
        List<Pod> pods = pods(ns(workload), selector(live));
        Optional<Pod> unready = pods.stream().filter(p -> !PodDiagnosis.isReady(p)).findFirst();
        if (unready.isPresent()) {
            Pod p = unready.get();
            String name = p.getMetadata().getName();
            String phase = p.getStatus() == null || p.getStatus().getPhase() == null ? "Pending" : p.getStatus().getPhase();
            return new InstallerException(what + ": pod " + name + " " + phase + " but not ready (readiness probe failing)",
                    "read its log: k0s kubectl -n " + ns(workload) + " logs " + name + "; " + describe + "pod " + name,
                    ExitCodes.FAILED);
        }
        String rollout = rolloutStatus(live).orElse("rolled out");
        return new InstallerException(what + (pods.isEmpty() ? " has no pod yet" : ": " + rollout),
                "see why: " + describe + workload.getKind().toLowerCase() + " " + workload.getMetadata().getName()
                        + "; rerun 'infometis install' to resume", ExitCodes.FAILED);
    }

    private List<Pod> pods(String namespace, Map<String, String> selector) {
        if (selector == null) {
            return List.of();
        }
        try {
            return client.pods().inNamespace(namespace).withLabels(selector).list().getItems();
        } catch (KubernetesClientException apiHiccup) {
            return List.of();
        }
    }

    /** The live workload's pod selector, or null when it cannot be read yet. */
    private static Map<String, String> selector(HasMetadata live) {
        LabelSelector s = live instanceof Deployment d && d.getSpec() != null ? d.getSpec().getSelector()
                : live instanceof StatefulSet st && st.getSpec() != null ? st.getSpec().getSelector()
                : live instanceof DaemonSet ds && ds.getSpec() != null ? ds.getSpec().getSelector() : null;
        return s == null || s.getMatchLabels() == null || s.getMatchLabels().isEmpty() ? null : s.getMatchLabels();
    }

    private static String ns(HasMetadata h) {
        return h.getMetadata().getNamespace() == null ? PersistentVolumes.NAMESPACE : h.getMetadata().getNamespace();
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        return s >= 120 ? (s / 60) + " min" : s >= 1 ? s + " s" : d.toMillis() + " ms";
    }
}
