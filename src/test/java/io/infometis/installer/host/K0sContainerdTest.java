package io.infometis.installer.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.infometis.installer.Json;

class K0sContainerdTest {

    @Test
    void readsNamesDigestsAndLabelsFromCtrsPaddedColumns() {
        String d = "sha256:" + "a".repeat(64);
        String listing = """
                REF                          TYPE                                       DIGEST  SIZE     PLATFORMS   LABELS
                docker.io/apache/kafka:3.9.0 application/vnd.oci.image.manifest.v1+json %1$s 767.0 B  linux/amd64 io.cri-containerd.image=managed,io.cri-containerd.pinned=pinned
                docker.io/apache/kafka@%1$s application/vnd.oci.image.manifest.v1+json %1$s 767.0 B  linux/amd64 io.cri-containerd.image=managed
                docker.io/library/busybox:1.35 application/vnd.oci.image.index.v1+json %1$s 2.1 MiB linux/amd64,linux/arm64 -
                """.formatted(d);

        Map<String, Containerd.StoredImage> images = K0sContainerd.parseListing(listing);

        assertEquals(3, images.size());
        assertEquals(d, images.get("docker.io/apache/kafka:3.9.0").digest());
        assertTrue(images.get("docker.io/apache/kafka:3.9.0").pinned());
        assertFalse(images.get("docker.io/library/busybox:1.35").pinned());
        assertTrue(images.containsKey("docker.io/apache/kafka@" + d), "CRI aliases are kept by exact name, never counted");
    }

    @Test
    void readsK0sStatusJsonWithGoFieldNames() throws Exception {
        String json = "{\"Version\":\"v1.33.4+k0s.0\",\"Pid\":4242,\"PPid\":1,\"Role\":\"controller\",\"SysInit\":\"linux-systemd\","
                + "\"StubFile\":\"/etc/systemd/system/k0scontroller.service\",\"Output\":\"\",\"Workloads\":true,\"SingleNode\":false,"
                + "\"Args\":[\"k0s\"],\"WorkerToAPIConnectionStatus\":{\"Message\":\"\",\"Success\":true},\"ClusterConfig\":{},\"K0sVars\":{}}";

        K0sStatus s = Json.MAPPER.readValue(json, K0sStatus.class);

        assertEquals("v1.33.4+k0s.0", s.version());
        assertEquals(4242, s.pid());
        assertTrue(s.workloads());
        assertTrue(s.workerToApi().success());
    }
}
