package io.infometis.installer.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.infometis.installer.InstallerException;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * {@code bundle/bundle.yaml}: what {@code bundle build} puts into a bundle (docs/bundle-format.md lists every key).
 */
@RegisterForReflection
public record BundleSpec(
        String name,
        String version,
        K0sSource k0s,
        List<String> images,
        String manifests,
        List<BundleManifest.Component> components,
        List<BundleManifest.Volume> volumes) {

    public BundleSpec {
        images = images == null ? List.of() : List.copyOf(images);
        components = components == null ? List.of() : List.copyOf(components);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
    }

    /**
     * Where {@code bundle build} gets k0s: an https URL or a local path, checked against {@code sha256}; and the
     * system images this k0s version runs for the installer's k0s.yaml ({@code k0s airgap list-images --all}),
     * pinned per version.
     */
    @RegisterForReflection
    public record K0sSource(String version, String source, String sha256, List<String> images) {
        public K0sSource {
            images = images == null ? List.of() : List.copyOf(images);
        }
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public static BundleSpec read(Path file) {
        try {
            BundleSpec spec = YAML.readValue(Files.readAllBytes(file), BundleSpec.class);
            if (spec.name() == null || spec.version() == null || spec.k0s() == null) {
                throw InstallerException.invalidInput("bundle spec " + file + " lacks name, version or k0s",
                        "see docs/bundle-format.md for the keys");
            }
            if (spec.components().isEmpty()) {
                spec = new BundleSpec(spec.name(), spec.version(), spec.k0s(), spec.images(), spec.manifests(),
                        ManifestFolders.components(manifestsDir(file, spec)), spec.volumes());
            }
            return spec;
        } catch (IOException e) {
            throw InstallerException.invalidInput("bundle spec " + file + ": " + firstLine(e.getMessage()),
                    "fix the YAML; docs/bundle-format.md lists the keys");
        }
    }

    /** The manifests folder, relative to the spec file's folder (default {@code manifests/}). */
    public static Path manifestsDir(Path specFile, BundleSpec spec) {
        Path base = specFile.toAbsolutePath().getParent();
        return base.resolve(spec.manifests() == null ? "manifests" : spec.manifests()).normalize();
    }

    private static String firstLine(String s) {
        return s == null ? "unreadable" : s.lines().findFirst().orElse(s);
    }
}
