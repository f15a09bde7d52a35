package io.infometis.installer.upgrade;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.infometis.installer.bundle.BundleManifest;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * {@code <state>/installed.json}: the bundle that runs on this host ({@code current}) and the one before it
 * ({@code previous}, the rollback target, whose bundle.json and manifests are kept under {@code <state>/bundles/}).
 * Images and component digests are kept so that an upgrade plans against what was installed, not against a
 * bundle file that may be gone.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InstalledRecord(int formatVersion, Installed current, Installed previous) {
    public static final int FORMAT_VERSION = 1;

    /** One installed bundle. {@code components} maps a component to the digest of its manifests (StackManifests). */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Installed(String name, String version, String digest, String k0sVersion,
            List<BundleManifest.Image> images, Map<String, String> components, Instant at) {
        public Installed {
            images = images == null ? List.of() : List.copyOf(images);
            components = components == null ? Map.of() : new java.util.LinkedHashMap<>(components);
        }

        /** {@code name version (sha256:abcdef012345)}: how the operator sees a bundle. */
        public String label() {
            return name + " " + version + " (" + shortDigest(digest) + ")";
        }

        /** The same bundle, with the k0s that actually runs (a rollback keeps the newer k0s). */
        public Installed withK0s(String k0s) {
            return new Installed(name, version, digest, k0s, images, components, at);
        }

        public boolean sameBundle(String otherDigest) {
            return Objects.equals(digest, otherDigest);
        }
    }

    public static String shortDigest(String digest) {
        if (digest == null) {
            return "no digest";
        }
        String hex = digest.replaceFirst("^sha256:", "");
        return "sha256:" + hex.substring(0, Math.min(12, hex.length()));
    }
}
