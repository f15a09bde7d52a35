package io.infometis.installer.k8s;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;

/**
 * Applies stack objects idempotently with create-or-update, never server-side apply: the fabric8 CRUD mock that
 * the tests run against cannot do SSA (fabric8 #5337), and a path the tests never take is not one to ship.
 * Each object carries the digest of its manifest form in {@link #DIGEST}; an object whose live copy carries the
 * same digest is left alone, so a rerun writes nothing and changes no resourceVersion.
 *
 * <p>Against a real API server two more things happen. A controller writes an object (its status, a default)
 * between our read and our PUT: the server answers 409 Conflict and the update is read and made again, a bounded
 * number of times. And some fields cannot change in place (see {@link ImmutableFields}): such an object is
 * deleted and created again, keeping the data (claims are objects of their own, and a StatefulSet whose selector
 * stays is deleted with orphan propagation so its pods keep running until the new one adopts them), except
 * claims and volumes, which are kept as they are with a warning: their data lives there.
 */
public final class StackApplier {
    /** The digest of the manifest an object was last applied from. */
    public static final String DIGEST = "infometis.io/manifest-digest";
    /** How often a 409 is read-and-retried before it is reported. */
    static final int CONFLICT_ATTEMPTS = 5;

    /** What applying one object did. */
    public enum Result {
        CREATED, UPDATED, UNCHANGED,
        /** A PV or PVC that exists with another spec: kept, because its spec is immutable once bound. */
        KEPT,
        /** An immutable field changed: the object was deleted and created again. */
        RECREATED
    }

    private final KubernetesClient client;
    private final Consumer<String> notice;
    private final Duration deletionWait;
    private final Duration deletionPoll;

    public StackApplier(KubernetesClient client) {
        this(client, m -> { }, Duration.ofMinutes(2), Duration.ofSeconds(1));
    }

    /**
     * @param notice       told, in a sentence, what a recreate or a kept object means for the operator
     * @param deletionWait how long a deleted object may take to go (finalizers, orphaning) before it is an error
     */
    public StackApplier(KubernetesClient client, Consumer<String> notice, Duration deletionWait, Duration deletionPoll) {
        this.client = client;
        this.notice = notice;
        this.deletionWait = deletionWait;
        this.deletionPoll = deletionPoll;
    }

    public Result apply(HasMetadata manifest) {
        String digest = StackManifests.digestOf(manifest);
        KubernetesClientException lastConflict = null;
        for (int attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt++) {
            HasMetadata object = stamped(manifest, digest);
            HasMetadata live = client.resource(object).get();
            if (live != null && digest.equals(annotation(live))) {
                return Result.UNCHANGED;
            }
            try {
                if (live == null) {
                    client.resource(object).create();
                    return Result.CREATED;
                }
                List<String> immutable = ImmutableFields.changed(live, object);
                if (object instanceof PersistentVolume || object instanceof PersistentVolumeClaim) {
                    notice.accept(what(object) + " exists with another spec" + (immutable.isEmpty() ? ""
                            : " (" + String.join(", ", immutable) + ")") + "; kept as is, because its data lives there");
                    return Result.KEPT;
                }
                if (!immutable.isEmpty()) {
                    recreate(live, object, immutable);
                    return Result.RECREATED;
                }
                object.getMetadata().setResourceVersion(live.getMetadata().getResourceVersion());
                if (object instanceof Service desired && live instanceof Service current && current.getSpec() != null
                        && (desired.getSpec().getClusterIP() == null || desired.getSpec().getClusterIP().isEmpty())) {
                    // The cluster IP was allocated at creation; an update must carry it or be refused as a change.
                    desired.getSpec().setClusterIP(current.getSpec().getClusterIP());
                    desired.getSpec().setClusterIPs(current.getSpec().getClusterIPs());
                }
                client.resource(object).update();
                return Result.UPDATED;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // Someone wrote between our read and our write (or created it first): read again, decide again.
                lastConflict = e;
            }
        }
        throw new InstallerException("applying " + what(manifest) + ": still in conflict after " + CONFLICT_ATTEMPTS
                + " attempts (" + lastConflict.getMessage().lines().findFirst().orElse("409") + ")",
                "something else keeps changing it; stop that writer and rerun to resume", ExitCodes.FAILED, lastConflict);
    }

    private void recreate(HasMetadata live, HasMetadata object, List<String> fields) {
        boolean orphan = live instanceof StatefulSet && !fields.contains("spec.selector");
        notice.accept(what(object) + ": " + String.join(", ", fields) + " cannot change in place; deleting it "
                + (orphan ? "with its pods left running (the new one adopts them)" : "and its pods")
                + " and creating it again; claims and volumes are kept");
        client.resource(live).withPropagationPolicy(orphan ? DeletionPropagation.ORPHAN : DeletionPropagation.BACKGROUND)
                .delete();
        long deadline = System.nanoTime() + deletionWait.toNanos();
        while (client.resource(object).get() != null) {
            if (System.nanoTime() - deadline >= 0) {
                throw InstallerException.failed("recreating " + what(object) + ": the old object is still there after "
                        + deletionWait.toSeconds() + " s", "look at its finalizers ('k0s kubectl -n infometis get "
                        + object.getKind().toLowerCase() + " " + object.getMetadata().getName() + " -o yaml') and rerun",
                        null);
            }
            try {
                Thread.sleep(deletionPoll.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw InstallerException.failed("recreating " + what(object) + ": interrupted", "rerun to resume", e);
            }
        }
        object.getMetadata().setResourceVersion(null);
        client.resource(object).create();
    }

    /** A copy of the manifest with its digest annotation; the manifest object itself is never touched. */
    private static HasMetadata stamped(HasMetadata manifest, String digest) {
        HasMetadata object = StackManifests.serialization().clone(manifest);
        Map<String, String> annotations = new HashMap<>(
                object.getMetadata().getAnnotations() == null ? Map.of() : object.getMetadata().getAnnotations());
        annotations.put(DIGEST, digest);
        object.getMetadata().setAnnotations(annotations);
        return object;
    }

    static String what(HasMetadata o) {
        return o.getKind() + " " + o.getMetadata().getName();
    }

    private static String annotation(HasMetadata live) {
        Map<String, String> a = live.getMetadata().getAnnotations();
        return a == null ? null : a.get(DIGEST);
    }
}
