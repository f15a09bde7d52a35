package io.infometis.installer.testing;

import java.nio.file.Path;
import java.util.List;

import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.BundleSpec;
import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.bundle.ManifestFolders;

/**
 * An unpacked bundle stand-in: a directory holding {@code manifests/NN-name/}, with the images and volumes of a
 * bundle spec and the components its manifest folders name.
 */
public final class DirectoryBundle implements InstallBundle {
    private final Path dir;
    private final BundleManifest manifest;

    public DirectoryBundle(Path dir, BundleSpec spec) {
        this.dir = dir;
        List<BundleManifest.Image> images = spec.images().stream()
                .map(ref -> new BundleManifest.Image(ref, null, null, "linux/amd64", 0)).toList();
        this.manifest = new BundleManifest(BundleManifest.FORMAT_VERSION, spec.name(), spec.version(), null,
                "linux/amd64", null, images, ManifestFolders.components(dir.resolve("manifests")), spec.volumes(), null);
    }

    /** The repository's own bundle: {@code bundle/bundle.yaml} and {@code bundle/manifests/}. */
    public static DirectoryBundle ofRepository() {
        return new DirectoryBundle(Path.of("bundle"), BundleSpec.read(Path.of("bundle/bundle.yaml")));
    }

    @Override
    public BundleManifest manifest() {
        return manifest;
    }

    @Override
    public String digest() {
        return "sha256:test";
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
