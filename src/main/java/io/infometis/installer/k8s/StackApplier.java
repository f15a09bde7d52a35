package io.infometis.installer.k8s;

import java.util.HashMap;
import java.util.Map;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;

/**
 * Applies stack objects idempotently with create-or-update, never server-side apply: the fabric8 CRUD mock that
 * the tests run against cannot do SSA (fabric8 #5337), and a path the tests never take is not one to ship.
 * Each object carries the digest of its manifest form in {@link #DIGEST}; an object whose live copy carries the
 * same digest is left alone, so a rerun writes nothing and changes no resourceVersion.
 */
public final class StackApplier {
    /** The digest of the manifest an object was last applied from. */
    public static final String DIGEST = "infometis.io/manifest-digest";

    /** What applying one object did. */
    public enum Result {
        CREATED, UPDATED, UNCHANGED,
        /** A PV or PVC that exists with another spec: kept, because its spec is immutable once bound. */
        KEPT
    }

    private final KubernetesClient client;

    public StackApplier(KubernetesClient client) {
        this.client = client;
    }

    public Result apply(HasMetadata manifest) {
        String digest = StackManifests.digestOf(manifest);
        HasMetadata object = StackManifests.serialization().clone(manifest);
        HasMetadata live = client.resource(object).get();
        if (live != null && digest.equals(annotation(live))) {
            return Result.UNCHANGED;
        }
        if (live != null && (object instanceof PersistentVolume || object instanceof PersistentVolumeClaim)) {
            return Result.KEPT;
        }
        Map<String, String> annotations = new HashMap<>(
                object.getMetadata().getAnnotations() == null ? Map.of() : object.getMetadata().getAnnotations());
        annotations.put(DIGEST, digest);
        object.getMetadata().setAnnotations(annotations);
        if (live == null) {
            client.resource(object).createOr(NonDeletingOperation::update);
            return Result.CREATED;
        }
        object.getMetadata().setResourceVersion(live.getMetadata().getResourceVersion());
        if (object instanceof Service desired && live instanceof Service current && current.getSpec() != null) {
            // The cluster IP was allocated at creation; an update must carry it or be refused as a change.
            desired.getSpec().setClusterIP(current.getSpec().getClusterIP());
            desired.getSpec().setClusterIPs(current.getSpec().getClusterIPs());
        }
        client.resource(object).update();
        return Result.UPDATED;
    }

    private static String annotation(HasMetadata live) {
        Map<String, String> a = live.getMetadata().getAnnotations();
        return a == null ? null : a.get(DIGEST);
    }
}
