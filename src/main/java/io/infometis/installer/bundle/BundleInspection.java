package io.infometis.installer.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What {@code bundle inspect} shows: bundle.json's images, k0s, components and volumes, plus sizes measured from
 * the tar: the file, the unique blobs, and what deduplication saved (sum of image sizes minus unique blob bytes).
 * It reads entry headers only; it does not verify (that is {@code bundle verify}).
 */
@RegisterForReflection
public record BundleInspection(
        String name,
        String version,
        int formatVersion,
        Instant created,
        String platform,
        BundleManifest.K0s k0s,
        List<BundleManifest.Image> images,
        List<BundleManifest.Component> components,
        List<BundleManifest.Volume> volumes,
        boolean signed,
        long fileBytes,
        long blobBytes,
        long imageBytes,
        long dedupSavedBytes) {

    public static BundleInspection of(Path file, BundleLimits limits) throws IOException {
        BundleManifest m = null;
        boolean signed = false;
        long blobBytes = 0;
        try (BundleReader reader = new BundleReader(file, limits)) {
            BundleReader.Entry first = reader.next();
            if (first == null || !first.name().equals(BundleEntries.MANIFEST) || first.size() > limits.maxMetadataBytes()) {
                throw new BundleDefect(first == null ? "(empty archive)" : first.name(), "the first entry must be bundle.json");
            }
            m = BundleVerifier.parseManifest(first.data().readAllBytes());
            for (BundleReader.Entry e; (e = reader.next()) != null;) {
                signed |= e.name().equals(BundleEntries.SIGNATURE);
                if (e.name().startsWith(BundleEntries.BLOBS)) {
                    blobBytes += e.size();
                }
            }
        }
        long imageBytes = m.images().stream().mapToLong(BundleManifest.Image::size).sum();
        return new BundleInspection(m.name(), m.version(), m.formatVersion(), m.created(), m.platform(), m.k0s(), m.images(),
                m.components(), m.volumes(), signed, Files.size(file), blobBytes, imageBytes, Math.max(0, imageBytes - blobBytes));
    }
}
