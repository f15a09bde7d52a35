package io.infometis.installer.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import io.infometis.installer.Json;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.InstallBundle;

/**
 * An unpacked bundle directory made by a test: {@code bundle.json}, {@code images/} (OCI layout) and {@code k0s/k0s}.
 * Stands in for the real bundle reader, which verifies and unpacks a bundle file into the same shape.
 */
public final class DirectoryBundle implements InstallBundle {
    private final Path dir;
    private final BundleManifest manifest;

    public DirectoryBundle(Path dir, BundleManifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
    }

    /** Writes {@code bundle.json} for these images and volumes; {@code images/} must already be written. */
    public static DirectoryBundle create(Path dir, Path k0s, String k0sVersion, List<BundleManifest.Image> images,
            List<BundleManifest.Volume> volumes) throws IOException {
        Files.createDirectories(dir.resolve("k0s"));
        Files.copy(k0s, dir.resolve("k0s/k0s"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        BundleManifest m = new BundleManifest(BundleManifest.FORMAT_VERSION, "infometis-test", "0.0.1", Instant.now(),
                "linux/amd64", new BundleManifest.K0s(k0sVersion, "k0s/k0s", null), images, List.of(), volumes, null);
        Files.write(dir.resolve("bundle.json"), Json.MAPPER.writeValueAsBytes(m));
        return new DirectoryBundle(dir, m);
    }

    public DirectoryBundle withImages(List<BundleManifest.Image> images) {
        return new DirectoryBundle(dir, new BundleManifest(manifest.formatVersion(), manifest.name(), manifest.version(),
                manifest.created(), manifest.platform(), manifest.k0s(), images, manifest.components(), manifest.volumes(),
                manifest.checksumsSha256()));
    }

    @Override
    public BundleManifest manifest() {
        return manifest;
    }

    @Override
    public String digest() {
        return "sha256:test-" + manifest.images().size();
    }

    @Override
    public boolean hasFiles() {
        return true;
    }

    @Override
    public Path directory() {
        return dir;
    }
}
