package io.infometis.installer.bundle;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.function.BiFunction;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.infometis.installer.InstallerException;
import io.infometis.installer.ParseErrors;
import io.infometis.installer.SmallFiles;
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

    /** Strict like bundle.json's reader: a key twice is refused; types are checked by {@link BundleSchema#SPEC}. */
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * Reads and validates the spec: every key and value against {@link BundleSchema#SPEC} (unknown keys refused,
     * {@code mode: 0750} unquoted is a number, not the string it must be), then the components derived from the
     * manifests folder against the same rules as bundle.json's. Any defect is one line and exit 2.
     */
    public static BundleSpec read(Path file) {
        BiFunction<String, String, RuntimeException> refuse = (field, what) -> InstallerException.invalidInput(
                "bundle spec " + file + ": " + field + " " + what, "fix it; docs/bundle-format.md lists every key and its grammar");
        JsonNode tree;
        try {
            tree = YAML.readTree(bounded(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw InstallerException.invalidInput("bundle spec " + file + ": " + io.infometis.installer.ParseErrors.describe(e),
                    "fix the YAML; docs/bundle-format.md lists the keys");
        } catch (IOException e) {
            throw InstallerException.invalidInput("bundle spec " + file + ": " + firstLine(e.getMessage()),
                    "fix the YAML; docs/bundle-format.md lists the keys");
        }
        if (tree == null || tree.isMissingNode() || !tree.isObject()) {
            throw InstallerException.invalidInput("bundle spec " + file + " is not a YAML mapping of the spec's keys",
                    "give the path of bundle/bundle.yaml; docs/bundle-format.md shows its keys");
        }
        BundleSchema.check(tree, BundleSchema.SPEC, "", refuse);
        BundleSpec spec;
        try {
            spec = YAML.treeToValue(tree, BundleSpec.class);
        } catch (IOException e) {
            throw refuse.apply("(top level)", "does not bind: " + firstLine(e.getMessage()));
        }
        if (spec.components().isEmpty()) {
            List<BundleManifest.Component> derived = ManifestFolders.components(manifestsDir(file, spec));
            BundleSchema.check(YAML.valueToTree(derived), new BundleSchema.ListOf(BundleSchema.COMPONENT, Integer.MAX_VALUE),
                    "components (from the manifests folder)", refuse);
            spec = new BundleSpec(spec.name(), spec.version(), spec.k0s(), spec.images(), spec.manifests(), derived, spec.volumes());
        }
        BundleSchema.crossCheck(spec, refuse);
        return spec;
    }

    /** The spec's bytes: a regular file of at most 1 MiB, so {@code --spec /dev/zero} is refused, not read. */
    private static byte[] bounded(Path file) {
        return io.infometis.installer.SmallFiles.read(file, io.infometis.installer.SmallFiles.SPEC_BYTES, "bundle spec");
    }

    /** The manifests folder, relative to the spec file's folder (default {@code manifests/}). */
    public static Path manifestsDir(Path specFile, BundleSpec spec) {
        Path base = specFile.toAbsolutePath().getParent();
        return base.resolve(spec.manifests() == null ? "manifests" : spec.manifests()).normalize();
    }

    private static String firstLine(String s) {
        return s == null ? "unreadable" : Grammar.printable(s.lines().findFirst().orElse(s));
    }
}
