package io.infometis.installer.k8s;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.infometis.installer.bundle.BundleManifest.Volume;

/**
 * The cluster side of the hostPath volumes: a StorageClass without a provisioner and one PersistentVolume per
 * bundle volume, pre-bound by {@code claimRef} to its component's PVC and kept ({@code Retain}) when the claim goes.
 * The volumes phase makes the directories; the stack phase applies these objects.
 */
public final class PersistentVolumes {
    public static final String STORAGE_CLASS = "infometis-local";
    public static final String NAMESPACE = "infometis";

    private PersistentVolumes() {
    }

    /** The StorageClass first, then the volumes: apply in this order. */
    public static List<HasMetadata> objects(List<Volume> volumes, String volumesDir) {
        List<HasMetadata> all = new ArrayList<>();
        all.add(storageClass());
        for (Volume v : volumes) {
            all.add(persistentVolume(v, volumesDir));
        }
        return all;
    }

    public static StorageClass storageClass() {
        return new StorageClassBuilder()
                .withNewMetadata().withName(STORAGE_CLASS).withLabels(Map.of("app.kubernetes.io/part-of", "infometis")).endMetadata()
                .withProvisioner("kubernetes.io/no-provisioner")
                .withReclaimPolicy("Retain")
                .withVolumeBindingMode("WaitForFirstConsumer")
                .build();
    }

    public static PersistentVolume persistentVolume(Volume v, String volumesDir) {
        return new PersistentVolumeBuilder()
                .withNewMetadata().withName(name(v))
                .withLabels(Map.of("app.kubernetes.io/part-of", "infometis", "app.kubernetes.io/component", v.component()))
                .endMetadata()
                .withNewSpec()
                .withCapacity(Map.of("storage", new Quantity(v.size())))
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(STORAGE_CLASS)
                .withPersistentVolumeReclaimPolicy("Retain")
                .withNewHostPath().withPath(hostPath(v, volumesDir)).withType("Directory").endHostPath()
                .withNewClaimRef().withNamespace(NAMESPACE).withName(v.claim()).endClaimRef()
                .endSpec()
                .build();
    }

    public static String name(Volume v) {
        return "infometis-" + v.component() + "-" + v.name();
    }

    /** The directory on the host (as kubelet sees it, so never under {@code --root}). */
    public static String hostPath(Volume v, String volumesDir) {
        String base = volumesDir.endsWith("/") ? volumesDir.substring(0, volumesDir.length() - 1) : volumesDir;
        return base + "/" + v.component() + "/" + v.name();
    }
}
