package io.infometis.installer.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeNodeAffinity;
import io.fabric8.kubernetes.api.model.VolumeNodeAffinityBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.bundle.BundleManifest;

/**
 * One {@code local} PersistentVolume per bundle volume, on the directory the volumes phase prepared (owner, mode),
 * required to this node through {@code nodeAffinity} (kubernetes.io/hostname), and pre-bound to its claim through
 * {@code claimRef}. Retain: deleting a claim or the stack never deletes data.
 *
 * <p>Why {@code local} and not hostPath: a hostPath PV binds wherever its pod lands, so once a second node joins a
 * pod could start on an empty directory there. A local PV carries the node it lives on, and the scheduler places
 * its pod only there. kubelet never creates a local PV's path, so a missing directory fails the pod instead of
 * appearing root-owned.
 *
 * <p>Applying them keeps to what a real API server allows: a PV's volume source and, once set, its nodeAffinity
 * are immutable (ValidatePersistentVolumeUpdate answers 422), so a PV from an earlier install that differs there
 * (a hostPath PV) is deleted and created again, which with Retain leaves the directory and its data untouched,
 * and only while no live claim holds it. A PV left Released by a deleted claim is made Available again by clearing
 * its claimRef's uid and resourceVersion (the Kubernetes convention), so the claim a reinstall creates binds to it
 * and finds its data.
 */
public final class PersistentVolumes {
    public static final String NAMESPACE = "infometis";
    public static final String STORAGE_CLASS = "infometis-local";
    public static final String HOSTNAME_LABEL = "kubernetes.io/hostname";

    /** What applying one PV did. */
    public enum Action {
        CREATED, UNCHANGED, UPDATED,
        /** Its claimRef still named a deleted claim (Released): cleared so the new claim binds. */
        REBOUND,
        /** An earlier PV with another volume source or node, not held by a claim: deleted and created again. */
        REPLACED,
        /** An earlier PV with another volume source or node, held by a live claim: left as it is. */
        KEPT
    }

    /** The outcome for all PVs: how many were written, and one line per PV that changed. */
    public record Applied(String node, Map<String, Action> actions) {
        public int written() {
            return (int) actions.values().stream().filter(a -> a != Action.UNCHANGED && a != Action.KEPT).count();
        }

        public String summary() {
            return actions.size() + " PersistentVolumes, " + written() + " written, on node " + node;
        }
    }

    private final KubernetesClient client;
    private final String hostname;
    private final java.time.Duration deleteWait;

    /** @param hostname the kernel's hostname ({@link NodeName#hostname()}), used when the API cannot tell the node */
    public PersistentVolumes(KubernetesClient client, String hostname) {
        this(client, hostname, java.time.Duration.ofSeconds(60));
    }

    PersistentVolumes(KubernetesClient client, String hostname, java.time.Duration deleteWait) {
        this.client = client;
        this.hostname = hostname;
        this.deleteWait = deleteWait;
    }

    /** The PVs for the bundle's volumes, directories {@code <volumesBaseDir>/<component>/<name>}, on {@code node}. */
    public static List<HasMetadata> forBundle(BundleManifest manifest, String volumesBaseDir, String node) {
        return manifest.volumes().stream().<HasMetadata> map(v -> new PersistentVolumeBuilder()
                .withNewMetadata()
                .withName(name(v))
                .withLabels(Map.of(
                        "app.kubernetes.io/name", v.component(),
                        "app.kubernetes.io/instance", NAMESPACE,
                        "app.kubernetes.io/part-of", NAMESPACE,
                        "app.kubernetes.io/managed-by", "infometis-installer"))
                .endMetadata()
                .withNewSpec()
                .withCapacity(Map.of("storage", new Quantity(v.size())))
                .withAccessModes("ReadWriteOnce")
                .withPersistentVolumeReclaimPolicy("Retain")
                .withStorageClassName(STORAGE_CLASS)
                .withVolumeMode("Filesystem")
                .withNewLocal().withPath(hostPath(v, volumesBaseDir)).endLocal()
                .withNodeAffinity(onNode(node))
                .withClaimRef(claimRef(v))
                .endSpec()
                .build()).toList();
    }

    static VolumeNodeAffinity onNode(String node) {
        return new VolumeNodeAffinityBuilder().withNewRequired().addNewNodeSelectorTerm().addNewMatchExpression()
                .withKey(HOSTNAME_LABEL).withOperator("In").withValues(node).endMatchExpression().endNodeSelectorTerm()
                .endRequired().build();
    }

    private static ObjectReference claimRef(BundleManifest.Volume v) {
        return new ObjectReferenceBuilder().withKind("PersistentVolumeClaim").withApiVersion("v1").withNamespace(NAMESPACE)
                .withName(v.claim()).build();
    }

    /** The directory on the host, {@code <volumesBaseDir>/<component>/<name>} (as kubelet sees it: never under --root). */
    public static String hostPath(BundleManifest.Volume v, String volumesBaseDir) {
        return io.infometis.installer.host.HostPaths.volumeHostPath(volumesBaseDir, v.component(), v.name());
    }

    /** {@code infometis-<component>-<name>}, e.g. infometis-nifi-content. */
    public static String name(BundleManifest.Volume v) {
        return NAMESPACE + "-" + v.component() + "-" + v.name();
    }

    /** For the host this runs on: its kernel hostname is how k0s named its node (never read under --root). */
    public static PersistentVolumes onThisHost(KubernetesClient client) {
        return new PersistentVolumes(client, hostname());
    }

    /** This host's node name as k0s registers it, for a plan made before the API exists. */
    public static String thisNode() {
        return NodeName.fromHostname(hostname());
    }

    private static String hostname() {
        try {
            return NodeName.hostname();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the hostname", e);
        }
    }

    /**
     * The node the volumes live on: the node named as k0s names this host (its lower-cased hostname); else the
     * cluster's only node; with no node registered yet, the name k0s will register. Several nodes and none of
     * them this host's is refused: the data's node cannot be guessed.
     */
    public String node() {
        String expected = NodeName.fromHostname(hostname);
        List<String> nodes = call("listing the nodes for the volumes", () -> client.nodes().list().getItems()).stream()
                .map(n -> n.getMetadata().getName()).toList();
        if (nodes.isEmpty() || nodes.contains(expected)) {
            return expected;
        }
        if (nodes.size() == 1) {
            return nodes.get(0);
        }
        throw new InstallerException("choosing the node for the volumes: " + nodes.size() + " nodes (" + String.join(", ", nodes)
                + "), none named " + expected + " as k0s names this host",
                "run the install on the node that holds the volumes", ExitCodes.FAILED);
    }

    /** Creates, updates, rebinds or replaces each PV as needed; {@code warn} hears about the ones it must leave. */
    public Applied apply(BundleManifest manifest, String volumesBaseDir, Consumer<String> warn) {
        String node = node();
        Map<String, Action> actions = new java.util.LinkedHashMap<>();
        for (HasMetadata h : forBundle(manifest, volumesBaseDir, node)) {
            PersistentVolume want = (PersistentVolume) h;
            String name = want.getMetadata().getName();
            actions.put(name, call("applying PersistentVolume " + name + " of the volumes", () -> applyOne(want, warn)));
        }
        return new Applied(node, actions);
    }

    private Action applyOne(PersistentVolume want, Consumer<String> warn) throws InterruptedException {
        String digest = StackManifests.digestOf(want);
        annotate(want, digest);
        String name = want.getMetadata().getName();
        PersistentVolume live = client.persistentVolumes().withName(name).get();
        if (live == null) {
            client.persistentVolumes().resource(want).create();
            return Action.CREATED;
        }
        ObjectReference liveRef = live.getSpec().getClaimRef();
        PersistentVolumeClaim holder = liveClaim(liveRef);
        if (!sameVolume(live, want)) {
            if (holder != null) {
                warn.accept("PersistentVolume " + name + " is " + describe(live) + " from an earlier install and claim "
                        + holder.getMetadata().getName() + " holds it: kept as it is (its source and node cannot change in"
                        + " place); delete the claim (the data stays) and rerun to give it this node");
                return Action.KEPT;
            }
            client.persistentVolumes().withName(name).delete();
            awaitGone(name);
            client.persistentVolumes().resource(want).create();
            return Action.REPLACED;
        }
        boolean sameClaim = liveRef != null && Objects.equals(liveRef.getNamespace(), NAMESPACE)
                && Objects.equals(liveRef.getName(), want.getSpec().getClaimRef().getName());
        if (holder != null && !sameClaim) {
            warn.accept("PersistentVolume " + name + " is bound to claim " + liveRef.getNamespace() + "/" + liveRef.getName()
                    + ", not " + want.getSpec().getClaimRef().getName() + ": kept as it is");
            return Action.KEPT;
        }
        boolean released = liveRef != null && liveRef.getUid() != null && holder == null;
        if (!released && digest.equals(annotations(live).get(StackApplier.DIGEST))) {
            return Action.UNCHANGED;
        }
        // Write onto the live object: its status, finalizers and, while bound, its claimRef (with the claim's uid)
        // stay as they are; only the fields an update may change take the wanted values.
        PersistentVolume next = new PersistentVolumeBuilder(live).build();
        next.getMetadata().setLabels(want.getMetadata().getLabels());
        next.getMetadata().setAnnotations(merged(annotations(live), want.getMetadata().getAnnotations()));
        next.getSpec().setCapacity(want.getSpec().getCapacity());
        next.getSpec().setAccessModes(want.getSpec().getAccessModes());
        next.getSpec().setPersistentVolumeReclaimPolicy(want.getSpec().getPersistentVolumeReclaimPolicy());
        next.getSpec().setStorageClassName(want.getSpec().getStorageClassName());
        if (holder == null) {
            next.getSpec().setClaimRef(want.getSpec().getClaimRef()); // no uid, no resourceVersion: Available, pre-bound
        }
        client.persistentVolumes().resource(next).update();
        return released ? Action.REBOUND : Action.UPDATED;
    }

    /** The claim that holds this PV now: the one its claimRef names, with the uid it records. */
    private PersistentVolumeClaim liveClaim(ObjectReference ref) {
        if (ref == null || ref.getName() == null || ref.getUid() == null) {
            return null;
        }
        PersistentVolumeClaim c = client.persistentVolumeClaims().inNamespace(ref.getNamespace()).withName(ref.getName()).get();
        return c != null && ref.getUid().equals(c.getMetadata().getUid()) ? c : null;
    }

    /** The immutable part: the volume source (local, same path) and the node affinity. */
    static boolean sameVolume(PersistentVolume live, PersistentVolume want) {
        return live.getSpec().getHostPath() == null && live.getSpec().getLocal() != null
                && Objects.equals(live.getSpec().getLocal().getPath(), want.getSpec().getLocal().getPath())
                && Objects.equals(live.getSpec().getNodeAffinity(), want.getSpec().getNodeAffinity())
                && Objects.equals(Objects.requireNonNullElse(live.getSpec().getVolumeMode(), "Filesystem"),
                        want.getSpec().getVolumeMode());
    }

    private static String describe(PersistentVolume pv) {
        if (pv.getSpec().getHostPath() != null) {
            return "a hostPath volume on " + pv.getSpec().getHostPath().getPath();
        }
        if (pv.getSpec().getLocal() != null) {
            return "a local volume on " + pv.getSpec().getLocal().getPath() + " with another node or path";
        }
        return "another kind of volume";
    }

    /** The pv-protection finalizer is lifted at once for a PV no claim uses; wait for the object to go. */
    private void awaitGone(String name) throws InterruptedException {
        long deadline = System.nanoTime() + deleteWait.toNanos();
        while (client.persistentVolumes().withName(name).get() != null) {
            if (System.nanoTime() > deadline) {
                throw new InstallerException("replacing PersistentVolume " + name + ": still there " + deleteWait.toSeconds()
                        + " s after its deletion (a finalizer holds it)",
                        "see 'k0s kubectl get pv " + name + " -o yaml'; the data on disk is kept; rerun once it is gone",
                        ExitCodes.FAILED);
            }
            Thread.sleep(200);
        }
    }

    private static void annotate(HasMetadata o, String digest) {
        Map<String, String> a = new HashMap<>(annotations(o));
        a.put(StackApplier.DIGEST, digest);
        o.getMetadata().setAnnotations(a);
    }

    private static Map<String, String> annotations(HasMetadata o) {
        return o.getMetadata().getAnnotations() == null ? Map.of() : o.getMetadata().getAnnotations();
    }

    private static Map<String, String> merged(Map<String, String> a, Map<String, String> b) {
        Map<String, String> m = new HashMap<>(a);
        m.putAll(b);
        return m;
    }

    private interface ApiCall<T> {
        T run() throws InterruptedException;
    }

    /** An API refusal or silence names what was being done, with what to do next. */
    private static <T> T call(String what, ApiCall<T> action) {
        try {
            return action.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InstallerException(what + ": interrupted", "rerun to resume", ExitCodes.FAILED, e);
        } catch (KubernetesClientException e) {
            if (e.getCode() <= 0) {
                throw new InstallerException(what + ": the Kubernetes API did not answer (" + rootCause(e) + ")",
                        "check that k0s runs ('k0s status') and rerun to resume", ExitCodes.API_UNREACHABLE, e);
            }
            String reason = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                    : e.getMessage();
            throw new InstallerException(what + ": " + reason + " (HTTP " + e.getCode() + ")",
                    "see docs/volumes.md; the data on disk is kept; rerun to resume", ExitCodes.FAILED, e);
        }
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
