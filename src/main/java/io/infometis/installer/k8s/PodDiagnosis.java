package io.infometis.installer.k8s;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;

/**
 * What a pod that is not Ready shows, read the way kubelet and the scheduler write it, and what to do about it. A
 * <em>hard</em> problem does not go away by waiting on an air-gapped single node (an image that cannot be pulled, a
 * sandbox that cannot be created, a crash loop, a claim with no volume, too little CPU or memory), so the waits give
 * it a short grace instead of their whole timeout.
 *
 * <p>Where the words come from (kubernetes/kubernetes): a container's {@code state.waiting.reason} is
 * {@code ErrImageNeverPull} (pull policy Never, {@code pkg/kubelet/images/image_manager.go}), {@code ErrImagePull},
 * {@code ImagePullBackOff}, {@code InvalidImageName}, {@code CrashLoopBackOff} (then {@code lastState.terminated.reason}
 * says {@code OOMKilled} or {@code Error}), {@code CreateContainerConfigError}, {@code CreateContainerError}. A sandbox
 * that cannot be created is not a container reason: the containers stay {@code ContainerCreating} and kubelet records
 * a Warning <em>Event</em> {@code FailedCreatePodSandBox} on the pod ({@code pkg/kubelet/events/event_reason.go}). An
 * unschedulable pod has condition {@code PodScheduled=False}, reason {@code Unschedulable}, and the scheduler's message
 * ({@code pod has unbound immediate PersistentVolumeClaims}, {@code Insufficient cpu}, {@code Insufficient memory}).
 */
public record PodDiagnosis(String namespace, String pod, String reason, String detail, String next, boolean hard) {

    /** One line: {@code pod NAME REASON (detail)}. */
    public String describe() {
        return "pod " + pod + " " + reason + (detail == null || detail.isBlank() ? "" : " (" + detail + ")");
    }

    /**
     * @param events the namespace's events (any order); only Warnings about this pod are read
     * @return the pod's problem, or empty when it shows none (starting, or Ready)
     */
    public static Optional<PodDiagnosis> of(Pod p, List<Event> events) {
        String ns = p.getMetadata().getNamespace() == null ? PersistentVolumes.NAMESPACE : p.getMetadata().getNamespace();
        String name = p.getMetadata().getName();
        String describe = "k0s kubectl -n " + ns + " describe pod " + name;
        for (ContainerStatus c : containers(p)) {
            var state = c.getState();
            var last = c.getLastState();
            boolean oomNow = state != null && state.getTerminated() != null
                    && "OOMKilled".equals(state.getTerminated().getReason());
            boolean oomBefore = last != null && last.getTerminated() != null
                    && "OOMKilled".equals(last.getTerminated().getReason());
            String waiting = state == null || state.getWaiting() == null ? null : state.getWaiting().getReason();
            String image = c.getImage() == null ? "" : ", image " + c.getImage();
            if (oomNow || oomBefore && "CrashLoopBackOff".equals(waiting)) {
                return Optional.of(new PodDiagnosis(ns, name, "OOMKilled", "container " + c.getName() + image
                        + ", restarts " + n(c.getRestartCount()), "the container ran out of memory: raise its memory limit "
                        + "in the manifest, or give the machine more memory; " + describe, true));
            }
            if (waiting == null) {
                continue;
            }
            String detail = "container " + c.getName() + image;
            switch (waiting) {
                case "ErrImageNeverPull", "ErrImagePull", "ImagePullBackOff", "InvalidImageName" -> {
                    String list = "kube-system".equals(ns) ? "k0s's own images are k0s.images in bundle/bundle.yaml"
                            : "list it in bundle/bundle.yaml";
                    return Optional.of(new PodDiagnosis(ns, name, waiting, detail, "the image is missing from the bundle "
                            + "(an air-gapped node cannot pull it): " + list + "; rebuild the bundle and rerun; "
                            + "'k0s ctr -n k8s.io images ls' shows what was imported", true));
                }
                case "CrashLoopBackOff" -> {
                    String exit = last == null || last.getTerminated() == null ? ""
                            : ", last exit " + last.getTerminated().getExitCode()
                                    + (last.getTerminated().getReason() == null ? "" : " " + last.getTerminated().getReason());
                    return Optional.of(new PodDiagnosis(ns, name, waiting, detail + ", restarts " + n(c.getRestartCount())
                            + exit, "read its log: k0s kubectl -n " + ns + " logs " + name + " -c " + c.getName()
                                    + " --previous", true));
                }
                case "CreateContainerConfigError", "CreateContainerError" -> {
                    return Optional.of(new PodDiagnosis(ns, name, waiting, detail + message(state.getWaiting().getMessage()),
                            describe, true));
                }
                default -> {
                    // ContainerCreating, PodInitializing: starting, or a sandbox problem the events tell.
                }
            }
        }
        Optional<Event> sandbox = events.stream().filter(e -> "FailedCreatePodSandBox".equals(e.getReason())
                && e.getInvolvedObject() != null && name.equals(e.getInvolvedObject().getName())
                && (e.getInvolvedObject().getKind() == null || "Pod".equals(e.getInvolvedObject().getKind()))
                && !"Normal".equals(e.getType())).reduce((a, b) -> b);
        if (sandbox.isPresent() && !isReady(p)) {
            return Optional.of(new PodDiagnosis(ns, name, "FailedCreatePodSandBox", sandbox.get().getMessage(),
                    "kubelet cannot create the pod's sandbox; when the message names the pause image, it is missing from "
                            + "k0s's containerd: the bundle must carry k0s's own images (bundle.yaml k0s.images), rebuild "
                            + "it and rerun; " + describe, true));
        }
        Optional<PodCondition> unscheduled = p.getStatus() == null || p.getStatus().getConditions() == null
                ? Optional.empty()
                : p.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType())
                        && "False".equals(c.getStatus())).findFirst();
        if (unscheduled.isPresent()) {
            String msg = unscheduled.get().getMessage() == null ? "" : unscheduled.get().getMessage();
            String reason = "Pending: " + (unscheduled.get().getReason() == null ? "not scheduled" : unscheduled.get().getReason());
            if (msg.contains("unbound") && msg.contains("PersistentVolumeClaim")) {
                return Optional.of(new PodDiagnosis(ns, name, reason, msg, "a claim of the pod has no PersistentVolume: "
                        + "'k0s kubectl -n " + ns + " get pvc' and 'k0s kubectl get pv' show which; the stack phase writes "
                        + "one PV per bundle volume, rerun 'infometis install' to write it", true));
            }
            if (msg.contains("Insufficient cpu") || msg.contains("Insufficient memory")) {
                return Optional.of(new PodDiagnosis(ns, name, reason, msg, "the node has too little "
                        + (msg.contains("Insufficient cpu") ? "CPU" : "memory") + " for the pod's requests: use a larger "
                        + "machine or free what other workloads hold ('k0s kubectl describe node' shows the allocations)",
                        true));
            }
            return Optional.of(new PodDiagnosis(ns, name, reason, msg, describe, false));
        }
        return Optional.empty();
    }

    static boolean isReady(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static List<ContainerStatus> containers(Pod p) {
        List<ContainerStatus> all = new ArrayList<>();
        if (p.getStatus() != null && p.getStatus().getInitContainerStatuses() != null) {
            all.addAll(p.getStatus().getInitContainerStatuses());
        }
        if (p.getStatus() != null && p.getStatus().getContainerStatuses() != null) {
            all.addAll(p.getStatus().getContainerStatuses());
        }
        return all;
    }

    private static String message(String m) {
        return m == null || m.isBlank() ? "" : ": " + m;
    }

    private static int n(Integer i) {
        return i == null ? 0 : i;
    }
}
