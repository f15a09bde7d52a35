package io.infometis.installer.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ExtensionsSmokeTest {
    @RegisterExtension
    static final ContainerdExtension CONTAINERD = new ContainerdExtension();
    @RegisterExtension
    static final RegistryExtension REGISTRY = new RegistryExtension();

    @Test
    void containerdAnswersOnItsPrivateSocket() throws Exception {
        assertTrue(CONTAINERD.ctrOk("version").contains("Server:"));
        CONTAINERD.ctrOk("-n", "k8s.io", "images", "ls", "-q");
    }

    @Test
    void registryServesTheV2ApiOnAFreePort() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(REGISTRY.url("/v2/_catalog")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() == 200 && r.body().contains("repositories"), r.body());
    }
}
