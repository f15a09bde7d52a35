package io.infometis.installer.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * k0s's own system images, read from the one place that lists them: {@code k0s.images} in {@code bundle/bundle.yaml}
 * (each entry a ref, or a map with {@code ref}). Stand-ins find an image's role by its repository's last path element,
 * the names k0s gives them ({@code quay.io/k0sproject/pause}, {@code kube-router}, {@code cni-node}, ...).
 */
public record K0sRefs(List<String> refs) {
    public static final Path SPEC = Path.of("bundle/bundle.yaml");

    public K0sRefs {
        refs = List.copyOf(refs);
    }

    public static K0sRefs fromSpec() {
        return fromSpec(SPEC);
    }

    public static K0sRefs fromSpec(Path bundleYaml) {
        JsonNode images;
        try {
            images = new YAMLMapper().readTree(bundleYaml.toFile()).path("k0s").path("images");
        } catch (IOException e) {
            throw new IllegalStateException("reading " + bundleYaml + ": " + e.getMessage(), e);
        }
        if (!images.isArray() || images.isEmpty()) {
            throw new IllegalStateException(bundleYaml + " has no k0s.images: the strict k0s stand-in needs them");
        }
        List<String> refs = new ArrayList<>();
        for (JsonNode i : images) {
            refs.add(i.isTextual() ? i.asText() : i.path("ref").asText());
        }
        return new K0sRefs(refs);
    }

    /** The ref whose repository ends in {@code /name}, e.g. {@code pause}. */
    public Optional<String> role(String name) {
        return refs.stream().filter(r -> repository(r).endsWith("/" + name)).findFirst();
    }

    public String require(String name) {
        return role(name).orElseThrow(() -> new IllegalStateException("k0s.images has no " + name + " image: " + refs));
    }

    public K0sRefs without(String ref) {
        return new K0sRefs(refs.stream().filter(r -> !r.equals(ref)).toList());
    }

    static String repository(String ref) {
        String noDigest = ref.contains("@") ? ref.substring(0, ref.indexOf('@')) : ref;
        int colon = noDigest.lastIndexOf(':');
        return colon > noDigest.lastIndexOf('/') ? noDigest.substring(0, colon) : noDigest;
    }
}
