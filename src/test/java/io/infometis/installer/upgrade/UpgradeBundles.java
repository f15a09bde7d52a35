package io.infometis.installer.upgrade;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.testing.TestBundles;

/**
 * Bundles for upgrade tests, built with {@link TestBundles}: the repository's {@code 00-base}, {@code 10-demo}
 * (a claim and a Deployment running {@link #APP}) and {@code 20-other} (a ConfigMap and a Deployment running
 * {@link #LIB}). Versions differ in images, manifests and the k0s stand-in they carry.
 */
final class UpgradeBundles {
    static final String APP = "docker.io/infometis/test-app:stable";
    static final String LIB = "docker.io/infometis/test-lib:1.0";
    static final String OLD = "docker.io/infometis/test-old:1.0";
    static final String NEW = "docker.io/infometis/test-new:1.0";

    /** What one version holds. */
    record Version(String version, String k0sVersion, Path k0s, String appContent, List<String> extraImages,
            String otherData, boolean canary) {
    }

    private UpgradeBundles() {
    }

    static Path write(Path dir, Version v) throws Exception {
        TestBundles.LayoutBuilder layout = TestBundles.layout(dir.resolve("layout"))
                .image(APP, Map.of("app.txt", v.appContent()))
                .image(LIB, Map.of("lib.txt", "lib 1\n"));
        for (String extra : v.extraImages()) {
            layout.image(extra, Map.of("x.txt", extra + "\n"));
        }
        // k0s's own images, as every bundle carries them: the strict node turns Ready only with them in containerd.
        for (String ref : io.infometis.installer.testing.K0sRefs.fromSpec().refs()) {
            layout.image(ref, Map.of("k0s.txt", ref + "\n"));
        }
        Path layoutDir = layout.done();
        Path manifests = dir.resolve("manifests");
        Files.createDirectories(manifests.resolve("00-base"));
        for (String f : List.of("namespace.yaml", "storageclass.yaml")) {
            Files.copy(Path.of("bundle/manifests/00-base", f), manifests.resolve("00-base/" + f));
        }
        Files.createDirectories(manifests.resolve("10-demo"));
        Files.writeString(manifests.resolve("10-demo/pvc.yaml"), """
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: demo-data, namespace: infometis}
                spec:
                  storageClassName: infometis-local
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 1Mi}}
                """);
        Files.writeString(manifests.resolve("10-demo/deployment.yaml"), deployment("demo", APP, "app-" + v.appContent().strip()));
        if (v.canary()) {
            Files.writeString(manifests.resolve("10-demo/canary.yaml"), deployment("demo-canary", APP, "canary"));
        }
        Files.createDirectories(manifests.resolve("20-other"));
        Files.writeString(manifests.resolve("20-other/configmap.yaml"),
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other, namespace: infometis}\ndata: {setting: \""
                        + v.otherData() + "\"}\n");
        Files.writeString(manifests.resolve("20-other/deployment.yaml"), deployment("other", LIB, "lib"));
        List<BundleManifest.Volume> volumes = List.of(
                new BundleManifest.Volume("demo", "data", "1Mi", 1000, 1000, "0750", "demo-data"));
        return TestBundles.write(dir.resolve("infometis-bundle-" + v.version() + ".tar"), layoutDir, v.k0s(),
                v.k0sVersion(), v.version(), manifests, volumes, null);
    }

    private static String deployment(String name, String image, String revision) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %s, namespace: infometis}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: %s}}
                  template:
                    metadata: {labels: {app: %s}, annotations: {revision: "%s"}}
                    spec:
                      containers:
                      - name: main
                        image: %s
                        imagePullPolicy: IfNotPresent
                """.formatted(name, name, name, revision, image);
    }
}
