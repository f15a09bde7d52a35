package io.infometis.installer.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.BundleManifest.Volume;

class PersistentVolumesTest {

    @Test
    void bindsEachVolumeToItsClaimOnTheDirectoryTheVolumesPhaseMade() {
        BundleManifest m = new BundleManifest(1, "t", "1", null, "linux/amd64", null, List.of(), List.of(),
                List.of(new Volume("nifi", "provenance", "4Gi", 1000, 1000, "0750", "nifi-provenance")), null);

        List<HasMetadata> objects = PersistentVolumes.forBundle(m, "/tmp/infometis/volumes/");

        PersistentVolume pv = (PersistentVolume) objects.get(0);
        assertEquals("infometis-nifi-provenance", pv.getMetadata().getName());
        assertEquals("/tmp/infometis/volumes/nifi/provenance", pv.getSpec().getHostPath().getPath());
        assertEquals("Directory", pv.getSpec().getHostPath().getType(), "never created root-owned by kubelet");
        assertEquals("infometis-local", pv.getSpec().getStorageClassName());
        assertEquals("Retain", pv.getSpec().getPersistentVolumeReclaimPolicy());
        assertEquals("infometis", pv.getSpec().getClaimRef().getNamespace());
        assertEquals("nifi-provenance", pv.getSpec().getClaimRef().getName());
        assertEquals("4Gi", pv.getSpec().getCapacity().get("storage").toString());
    }
}
