package io.infometis.installer.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;

import io.infometis.installer.Json;

import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.BundleSpec;
import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.bundle.ManifestFolders;

/**
 * An unpacked bundle stand-in: a directory holding {@code manifests/NN-name/}, with the images and volumes of a
 * bundle spec and the components its manifest folders name; or, made by {@link #create}, {@code bundle.json},
 * {@code images/} (OCI layout) and {@code k0s/k0s} the way the bundle reader unpacks a bundle file.
 */
public final class DirectoryBundle implements InstallBundle {
    private final Path dir;
    private final BundleManifest manifest;
    private final boolean unpackedHere;

    public DirectoryBundle(Path dir, BundleSpec spec) {
        this.dir = dir;
        this.unpackedHere = false;
        List<BundleManifest.Image> images = spec.images().stream()
                .map(ref -> new BundleManifest.Image(ref, null, null, "linux/amd64", 0, BundleManifest.Image.STACK)).toList();
        this.manifest = new BundleManifest(BundleManifest.FORMAT_VERSION, spec.name(), spec.version(), null,
                "linux/amd64", null, images, ManifestFolders.components(dir.resolve("manifests")), spec.volumes(), null);
    }

    public DirectoryBundle(Path dir, BundleManifest manifest) {
        this(dir, manifest, false);
    }

    private DirectoryBundle(Path dir, BundleManifest manifest, boolean unpackedHere) {
        this.dir = dir;
        this.manifest = manifest;
        this.unpackedHere = unpackedHere;
    }

    /** The same directory as a bundle file this process has just unpacked, every file checked as it was written. */
    public DirectoryBundle asUnpackedByThisProcess() {
        return new DirectoryBundle(dir, manifest, true);
    }

    @Override
    public boolean unpackedAndVerifiedByThisProcess() {
        return unpackedHere;
    }

    /** Writes {@code k0s/k0s} and {@code bundle.json} for these images and volumes; {@code images/} must be written. */
    public static DirectoryBundle create(Path dir, Path k0s, String k0sVersion, List<BundleManifest.Image> images,
            List<BundleManifest.Volume> volumes) throws IOException {
        Files.createDirectories(dir.resolve("k0s"));
        Files.copy(k0s, dir.resolve("k0s/k0s"), StandardCopyOption.REPLACE_EXISTING);
        BundleManifest m = new BundleManifest(BundleManifest.FORMAT_VERSION, "infometis-test", "0.0.1", Instant.now(),
                "linux/amd64", new BundleManifest.K0s(k0sVersion, "k0s/k0s", null), images, List.of(), volumes, null);
        Files.write(dir.resolve("bundle.json"), Json.MAPPER.writeValueAsBytes(m));
        return new DirectoryBundle(dir, m);
    }

    public DirectoryBundle withImages(List<BundleManifest.Image> images) {
        return new DirectoryBundle(dir, new BundleManifest(manifest.formatVersion(), manifest.name(), manifest.version(),
                manifest.created(), manifest.platform(), manifest.k0s(), images, manifest.components(), manifest.volumes(),
                manifest.checksumsSha256()), unpackedHere);
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
