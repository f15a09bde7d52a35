package io.infometis.installer.bundle;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * {@code bundle.json}: what a bundle holds, format version 1 (docs/bundle-format.md). The chain of trust is
 * signature → bundle.json → {@code checksumsSha256} (checksums.txt) → every file.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BundleManifest(
        int formatVersion,
        String name,
        String version,
        Instant created,
        String platform,
        K0s k0s,
        List<Image> images,
        List<Component> components,
        List<Volume> volumes,
        String checksumsSha256) {

    public static final int FORMAT_VERSION = 1;

    public BundleManifest {
        images = images == null ? List.of() : List.copyOf(images);
        components = components == null ? List.of() : List.copyOf(components);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
    }

    /** The k0s binary: {@code path} is relative to the bundle root, e.g. {@code k0s/k0s}. */
    @RegisterForReflection
    public record K0s(String version, String path, String sha256) {
    }

    /**
     * One image: fully qualified {@code ref}, the upstream manifest (or index) {@code digest}, the platform,
     * the total size of its manifest, config and layers, and its {@code group}: {@value #K0S} for the images k0s
     * itself runs (pause, CNI, kube-proxy, CoreDNS …), {@value #STACK} for the stack's.
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Image(String ref, String digest, String mediaType, String platform, long size, String group) {
        public static final String K0S = "k0s";
        public static final String STACK = "stack";
    }

    /** A stack component and its manifests (paths relative to the bundle root), applied in list order. */
    @RegisterForReflection
    public record Component(String name, int order, List<String> manifests) {
        public Component {
            manifests = manifests == null ? List.of() : List.copyOf(manifests);
        }
    }

    /**
     * A hostPath volume: directory {@code <volumesDir>/<component>/<name>}, owned {@code uid:gid} with
     * {@code mode} (octal string), bound to the PVC {@code claim} in namespace infometis.
     */
    @RegisterForReflection
    public record Volume(String component, String name, String size, int uid, int gid, String mode, String claim) {
        /** {@code size} in bytes; accepts Kubernetes quantities such as {@code 10Gi}, {@code 500Mi}, {@code 1G}. */
        public long sizeBytes() {
            String s = size.trim();
            String[][] units = { { "Ki", "1024" }, { "Mi", "1048576" }, { "Gi", "1073741824" }, { "Ti", "1099511627776" },
                    { "K", "1000" }, { "M", "1000000" }, { "G", "1000000000" }, { "T", "1000000000000" } };
            for (String[] u : units) {
                if (s.endsWith(u[0])) {
                    return Long.parseLong(s.substring(0, s.length() - u[0].length())) * Long.parseLong(u[1]);
                }
            }
            return Long.parseLong(s);
        }
    }
}
