package io.infometis.installer.k8s;

import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.infometis.installer.bundle.BundleManifest;

/**
 * One hostPath PersistentVolume per bundle volume, pre-bound to its claim through {@code claimRef}, so each PVC
 * gets exactly the directory the volumes phase prepared (owner, mode) and nothing is provisioned dynamically.
 * Retain: uninstalling the stack never deletes data.
 */
public final class PersistentVolumes {
    public static final String NAMESPACE = "infometis";
    public static final String STORAGE_CLASS = "infometis-local";

    private PersistentVolumes() {
    }

    /** The PVs for the bundle's volumes, directories {@code <volumesBaseDir>/<component>/<name>}. */
    public static List<HasMetadata> forBundle(BundleManifest manifest, String volumesBaseDir) {
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
                // Directory, not DirectoryOrCreate: kubelet would create a missing one root-owned 0755, which the
                // component's non-root user cannot write; the volumes phase makes it with the right owner and mode.
                .withNewHostPath(hostPath(v, volumesBaseDir), "Directory")
                .withNewClaimRef()
                .withNamespace(NAMESPACE)
                .withName(v.claim())
                .endClaimRef()
                .endSpec()
                .build()).toList();
    }

    /** The directory on the host, {@code <volumesBaseDir>/<component>/<name>} (as kubelet sees it: never under --root). */
    public static String hostPath(BundleManifest.Volume v, String volumesBaseDir) {
        return io.infometis.installer.host.HostPaths.volumeHostPath(volumesBaseDir, v.component(), v.name());
    }

    /** {@code infometis-<component>-<name>}, e.g. infometis-nifi-content. */
    public static String name(BundleManifest.Volume v) {
        return NAMESPACE + "-" + v.component() + "-" + v.name();
    }
}
