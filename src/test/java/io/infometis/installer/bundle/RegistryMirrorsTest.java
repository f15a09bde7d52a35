package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** What {@code --mirror} accepts and where a ref is fetched from (the refusals: BundleCommandTest, through the CLI). */
class RegistryMirrorsTest {
    @Test
    void acceptsHostAndHostPortOnBothSidesAndOneMirrorForSeveralRegistries() {
        RegistryMirrors m = RegistryMirrors.parse(List.of("quay.io=127.0.0.1:5000", "registry.k8s.io=127.0.0.1:5000",
                "Docker.IO=mirror.example.com", "localhost:5001=localhost", "quay.io=127.0.0.1:5000"));
        assertEquals(Map.of("quay.io", "127.0.0.1:5000", "registry.k8s.io", "127.0.0.1:5000", "docker.io", "mirror.example.com",
                "localhost:5001", "localhost"), m.byRegistry());
    }

    @Test
    void aRefIsFetchedFromItsRegistrysMirrorUnderTheSamePathAndKeepsItsName() {
        RegistryMirrors m = RegistryMirrors.parse(List.of("quay.io=127.0.0.1:5000", "docker.io=127.0.0.1:5000"));
        ImageRef pause = ImageRef.parse("quay.io/k0sproject/pause:3.10.1");
        assertEquals("127.0.0.1:5000", m.hostFor(pause));
        assertEquals("quay.io/k0sproject/pause:3.10.1", pause.toString());
        // Docker Hub's API host is registry-1.docker.io, but the mirror is keyed by the name refs use
        assertEquals("127.0.0.1:5000", m.hostFor(ImageRef.parse("docker.io/library/busybox:1.35")));
        assertEquals("registry-1.docker.io", RegistryMirrors.NONE.hostFor(ImageRef.parse("docker.io/library/busybox:1.35")));
        assertEquals("ghcr.io", m.hostFor(ImageRef.parse("ghcr.io/x/y:1")));
        assertEquals(" (from mirror 127.0.0.1:5000)", m.via(pause));
        assertEquals("", m.via(ImageRef.parse("ghcr.io/x/y:1")));
    }
}
