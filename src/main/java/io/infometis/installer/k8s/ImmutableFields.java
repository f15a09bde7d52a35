package io.infometis.installer.k8s;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.storage.StorageClass;

/**
 * The fields the API server refuses to change in place (HTTP 422), for the kinds the stack ships, compared
 * between what the manifest wants and what runs. The lists follow the apiserver's update validation
 * (pkg/apis/apps/validation ValidateStatefulSetUpdate and ValidateDeploymentUpdate, core ValidateService and
 * ValidatePersistentVolumeUpdate, storage ValidateStorageClassUpdate, rbac ValidateRoleBindingUpdate,
 * networking ValidateIngressClassUpdate). A field the manifest leaves out is compared with the server's default
 * where the server fills one in, so an omitted default is no change.
 */
public final class ImmutableFields {
    private ImmutableFields() {
    }

    /** The paths of the immutable fields that differ, e.g. {@code spec.serviceName}; empty when none does. */
    public static List<String> changed(HasMetadata live, HasMetadata desired) {
        List<String> out = new ArrayList<>();
        if (desired instanceof StatefulSet d && live instanceof StatefulSet l) {
            differs(out, "spec.selector", l.getSpec().getSelector(), d.getSpec().getSelector());
            differs(out, "spec.serviceName", l.getSpec().getServiceName(), d.getSpec().getServiceName());
            differs(out, "spec.podManagementPolicy", orDefault(l.getSpec().getPodManagementPolicy(), "OrderedReady"),
                    orDefault(d.getSpec().getPodManagementPolicy(), "OrderedReady"));
            differs(out, "spec.volumeClaimTemplates", claimTemplates(l), claimTemplates(d));
        } else if (desired instanceof Deployment d && live instanceof Deployment l) {
            differs(out, "spec.selector", l.getSpec().getSelector(), d.getSpec().getSelector());
        } else if (desired instanceof Service d && live instanceof Service l) {
            // Only an address the manifest asks for (None: headless) can clash with the one allocated at creation.
            String want = d.getSpec().getClusterIP();
            if (want != null && !want.isEmpty() && l.getSpec().getClusterIP() != null
                    && !want.equals(l.getSpec().getClusterIP())) {
                out.add("spec.clusterIP");
            }
        } else if (desired instanceof StorageClass d && live instanceof StorageClass l) {
            differs(out, "provisioner", l.getProvisioner(), d.getProvisioner());
            differs(out, "parameters", orEmpty(l.getParameters()), orEmpty(d.getParameters()));
            differs(out, "reclaimPolicy", orDefault(l.getReclaimPolicy(), "Delete"), orDefault(d.getReclaimPolicy(), "Delete"));
            differs(out, "volumeBindingMode", orDefault(l.getVolumeBindingMode(), "Immediate"),
                    orDefault(d.getVolumeBindingMode(), "Immediate"));
        } else if (desired instanceof RoleBinding d && live instanceof RoleBinding l) {
            differs(out, "roleRef", l.getRoleRef(), d.getRoleRef());
        } else if (desired instanceof ClusterRoleBinding d && live instanceof ClusterRoleBinding l) {
            differs(out, "roleRef", l.getRoleRef(), d.getRoleRef());
        } else if (desired instanceof IngressClass d && live instanceof IngressClass l) {
            differs(out, "spec.controller", l.getSpec().getController(), d.getSpec().getController());
        } else if (desired instanceof PersistentVolume d && live instanceof PersistentVolume l) {
            // The server defaults hostPath.type to "": the path is what identifies the volume.
            differs(out, "spec.hostPath", l.getSpec().getHostPath() == null ? null : l.getSpec().getHostPath().getPath(),
                    d.getSpec().getHostPath() == null ? null : d.getSpec().getHostPath().getPath());
            differs(out, "spec.local", l.getSpec().getLocal(), d.getSpec().getLocal());
            differs(out, "spec.nodeAffinity", l.getSpec().getNodeAffinity(), d.getSpec().getNodeAffinity());
        } else if (desired instanceof PersistentVolumeClaim d && live instanceof PersistentVolumeClaim l) {
            differs(out, "spec.storageClassName", l.getSpec().getStorageClassName(), d.getSpec().getStorageClassName());
            differs(out, "spec.accessModes", l.getSpec().getAccessModes(), d.getSpec().getAccessModes());
            differs(out, "spec.resources.requests.storage", storage(l.getSpec()), storage(d.getSpec()));
        }
        return out;
    }

    /** What identifies a claim template: a server-defaulted field (volumeMode, status) is no change. */
    private static List<String> claimTemplates(StatefulSet s) {
        if (s.getSpec().getVolumeClaimTemplates() == null) {
            return List.of();
        }
        return s.getSpec().getVolumeClaimTemplates().stream().map(t -> t.getMetadata().getName() + " "
                + t.getSpec().getStorageClassName() + " " + t.getSpec().getAccessModes() + " " + storage(t.getSpec()))
                .toList();
    }

    private static Object storage(PersistentVolumeClaimSpec spec) {
        return spec.getResources() == null || spec.getResources().getRequests() == null ? null
                : spec.getResources().getRequests().get("storage");
    }

    private static void differs(List<String> out, String field, Object live, Object desired) {
        if (!Objects.equals(live, desired)) {
            out.add(field);
        }
    }

    private static String orDefault(String value, String serverDefault) {
        return value == null || value.isEmpty() ? serverDefault : value;
    }

    private static Map<String, String> orEmpty(Map<String, String> m) {
        return m == null ? Map.of() : m;
    }
}
