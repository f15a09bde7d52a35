package io.infometis.installer.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.infometis.installer.bundle.BundleManifest.Volume;

class PersistentVolumesTest {

    @Test
    void bindsEachVolumeToItsClaimAndKeepsItsData() {
        List<HasMetadata> objects = PersistentVolumes.objects(
                List.of(new Volume("nifi", "provenance", "4Gi", 1000, 1000, "0750", "nifi-provenance")), "/tmp/infometis/volumes/");

        StorageClass sc = (StorageClass) objects.get(0);
        assertEquals("infometis-local", sc.getMetadata().getName());
        assertEquals("kubernetes.io/no-provisioner", sc.getProvisioner());
        PersistentVolume pv = (PersistentVolume) objects.get(1);
        assertEquals("infometis-nifi-provenance", pv.getMetadata().getName());
        assertEquals("/tmp/infometis/volumes/nifi/provenance", pv.getSpec().getHostPath().getPath());
        assertEquals("infometis-local", pv.getSpec().getStorageClassName());
        assertEquals("Retain", pv.getSpec().getPersistentVolumeReclaimPolicy());
        assertEquals("infometis", pv.getSpec().getClaimRef().getNamespace());
        assertEquals("nifi-provenance", pv.getSpec().getClaimRef().getName());
        assertEquals("4Gi", pv.getSpec().getCapacity().get("storage").toString());
    }
}
