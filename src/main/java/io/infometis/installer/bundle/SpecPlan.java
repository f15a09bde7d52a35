package io.infometis.installer.bundle;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.infometis.installer.InstallerException;

/**
 * The plan a dry run reads from {@code bundle/bundle.yaml} when there is no bundle file: the same images (k0s's
 * pinned list, then the stack's), components and volumes, without digests or files. Only a dry run may use it.
 */
public final class SpecPlan implements InstallBundle {
    private final BundleManifest manifest;

    public SpecPlan(BundleSpec spec, String platform) {
        List<BundleManifest.Image> images = new ArrayList<>();
        spec.k0s().images().forEach(ref -> images.add(new BundleManifest.Image(ref, null, null, platform, 0, BundleManifest.Image.K0S)));
        spec.images().forEach(ref -> images.add(new BundleManifest.Image(ref, null, null, platform, 0, BundleManifest.Image.STACK)));
        this.manifest = new BundleManifest(BundleManifest.FORMAT_VERSION, spec.name(), spec.version(), null, platform,
                new BundleManifest.K0s(spec.k0s().version(), "k0s/k0s", spec.k0s().sha256()), images,
                spec.components(), spec.volumes(), null);
    }

    @Override
    public BundleManifest manifest() {
        return manifest;
    }

    @Override
    public String digest() {
        return null;
    }

    @Override
    public boolean hasFiles() {
        return false;
    }

    @Override
    public Path directory() {
        throw InstallerException.invalidInput("no bundle: a dry run planned from the bundle spec has no files",
                "pass --bundle FILE");
    }
}
