package io.infometis.installer.bundle;

import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The shape of bundle.json and of bundle/bundle.yaml, written down once: every key each object may hold, whether it
 * is required, and the type and grammar ({@link Grammar}) of its value. A key not listed is refused, and so is a
 * {@code null}, a string where a number belongs ({@code "1"}), a fraction where a whole number belongs ({@code 1.9})
 * or a number where a string belongs. To add a key (a later format or the upgrade work), add one line to the shape
 * here and a component to the record; {@link #crossCheck} holds the rules that span fields (uniqueness).
 */
public final class BundleSchema {

    /** What a value must be. */
    public sealed interface Type permits Text, Whole, ListOf, Shape {
    }

    /** A string matching a grammar rule. */
    public record Text(Grammar.Rule rule) implements Type {
    }

    /** A JSON integer (no fraction, no exponent, not a string) in [min, max]. */
    public record Whole(long min, long max) implements Type {
    }

    /** An array of at most {@code max} elements; a list of strings holds each string once. */
    public record ListOf(Type element, int max) implements Type {
    }

    /** An object with exactly these keys (the required ones present, no others). */
    public record Shape(String what, Map<String, Field> fields) implements Type {
        Shape with(String key, boolean required, Type type) {
            Map<String, Field> f = new LinkedHashMap<>(fields);
            f.put(key, new Field(type, required));
            return new Shape(what, f);
        }

        Shape required(String key, Type type) {
            return with(key, true, type);
        }

        Shape optional(String key, Type type) {
            return with(key, false, type);
        }
    }

    public record Field(Type type, boolean required) {
    }

    private static final long ID_MAX = Integer.MAX_VALUE; // 2^31 - 1: uid_t values the kernel and Kubernetes accept
    private static final int MAX_IMAGES = 1_000;
    private static final int MAX_COMPONENTS = 1_000;
    private static final int MAX_VOLUMES = 1_000;
    private static final int MAX_MANIFESTS = 10_000;

    private static Shape shape(String what) {
        return new Shape(what, Map.of());
    }

    private static Text text(Grammar.Rule rule) {
        return new Text(rule);
    }

    public static final Shape COMPONENT = shape("component")
            .required("name", text(Grammar.DNS_LABEL))
            .required("order", new Whole(0, Integer.MAX_VALUE))
            .required("manifests", new ListOf(text(Grammar.MANIFEST_PATH), MAX_MANIFESTS));

    static final Shape VOLUME = shape("volume")
            .required("component", text(Grammar.DNS_LABEL))
            .required("name", text(Grammar.DNS_LABEL))
            .required("size", text(Grammar.QUANTITY))
            .required("uid", new Whole(0, ID_MAX))
            .required("gid", new Whole(0, ID_MAX))
            .required("mode", text(Grammar.MODE))
            .required("claim", text(Grammar.DNS_LABEL));

    static final Shape IMAGE = shape("image")
            .required("ref", text(Grammar.IMAGE_REF))
            .required("digest", text(Grammar.SHA256_DIGEST))
            .required("mediaType", text(Grammar.MEDIA_TYPE_TOP))
            .required("platform", text(Grammar.PLATFORM))
            .required("size", new Whole(0, Long.MAX_VALUE))
            // k0s's own images or the stack's: the images phase and 'bundle inspect' group them (docs/k0s.md).
            .required("group", text(Grammar.IMAGE_GROUP));

    /** bundle.json, format version 1. */
    public static final Shape MANIFEST = shape("bundle.json")
            .required("formatVersion", new Whole(BundleManifest.FORMAT_VERSION, BundleManifest.FORMAT_VERSION))
            .required("name", text(Grammar.DNS_LABEL))
            .required("version", text(Grammar.VERSION))
            .required("created", text(Grammar.TIMESTAMP))
            .required("platform", text(Grammar.PLATFORM))
            .required("k0s", shape("k0s")
                    .required("version", text(Grammar.K0S_VERSION))
                    .required("path", text(Grammar.K0S_PATH))
                    .required("sha256", text(Grammar.SHA256_HEX)))
            .required("images", new ListOf(IMAGE, MAX_IMAGES))
            .required("components", new ListOf(COMPONENT, MAX_COMPONENTS))
            .required("volumes", new ListOf(VOLUME, MAX_VOLUMES))
            .required("checksumsSha256", text(Grammar.SHA256_HEX));

    /** bundle/bundle.yaml. */
    public static final Shape SPEC = shape("bundle spec")
            .required("name", text(Grammar.DNS_LABEL))
            .required("version", text(Grammar.VERSION))
            .required("k0s", shape("k0s")
                    .required("version", text(Grammar.K0S_VERSION))
                    .required("source", text(Grammar.K0S_SOURCE))
                    .required("sha256", text(Grammar.SPEC_K0S_SHA256))
                    .optional("images", new ListOf(text(Grammar.IMAGE_REF), MAX_IMAGES)))
            .optional("images", new ListOf(text(Grammar.IMAGE_REF), MAX_IMAGES))
            .optional("manifests", text(Grammar.RELATIVE_DIR))
            .optional("components", new ListOf(COMPONENT, MAX_COMPONENTS))
            .optional("volumes", new ListOf(VOLUME, MAX_VOLUMES));

    private BundleSchema() {
    }

    /**
     * Checks {@code node} against {@code type}; the first violation is handed to {@code refuse} as (field path, what is
     * wrong) and the exception it returns is thrown. Recursion follows the schema, whose depth is fixed (three).
     */
    public static void check(JsonNode node, Type type, String path, BiFunction<String, String, RuntimeException> refuse) {
        String at = path.isEmpty() ? "(top level)" : path;
        if (node == null || node.isNull() || node.isMissingNode()) {
            throw refuse.apply(at, "is null; give a value or leave the key out");
        }
        if (type instanceof Text t) {
            if (!node.isTextual()) {
                throw refuse.apply(at, "is a " + kind(node) + ", not a string" + (node.isNumber() ? " (quote it)" : ""));
            }
            if (!t.rule().accepts(node.textValue())) {
                throw refuse.apply(at, Grammar.quote(node.textValue()) + " is not " + t.rule().name());
            }
        } else if (type instanceof Whole w) {
            if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                throw refuse.apply(at, "is " + (node.isNumber() ? "the number " + Grammar.quote(node.asText()) : "a " + kind(node))
                        + ", not a whole number from " + w.min() + " to " + w.max());
            }
            long v = node.longValue();
            if (v < w.min() || v > w.max()) {
                throw refuse.apply(at, v + " is outside " + w.min() + ".." + w.max());
            }
        } else if (type instanceof ListOf l) {
            if (!node.isArray()) {
                throw refuse.apply(at, "is a " + kind(node) + ", not a list");
            }
            if (node.size() > l.max()) {
                throw refuse.apply(at, "has " + node.size() + " elements; at most " + l.max());
            }
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < node.size(); i++) {
                check(node.get(i), l.element(), path + "[" + i + "]", refuse);
                if (l.element() instanceof Text && !seen.add(node.get(i).textValue())) {
                    throw refuse.apply(path + "[" + i + "]", Grammar.quote(node.get(i).textValue()) + " appears twice");
                }
            }
        } else if (type instanceof Shape s) {
            if (!node.isObject()) {
                throw refuse.apply(at, "is a " + kind(node) + ", not " + (path.isEmpty() ? "an object" : "a " + s.what() + " object"));
            }
            for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
                String key = it.next();
                if (!s.fields().containsKey(key)) {
                    throw refuse.apply(at, "has the unknown key " + Grammar.quote(key) + " (a " + s.what() + " holds "
                            + String.join(", ", s.fields().keySet()) + ")");
                }
            }
            for (Map.Entry<String, Field> f : s.fields().entrySet()) {
                JsonNode v = node.get(f.getKey());
                String sub = path.isEmpty() ? f.getKey() : path + "." + f.getKey();
                if (v == null) {
                    if (f.getValue().required()) {
                        throw refuse.apply(at, "lacks the key '" + f.getKey() + "'");
                    }
                    continue;
                }
                check(v, f.getValue().type(), sub, refuse);
            }
        }
    }

    /** The rules across fields of bundle.json: nothing the installer names twice may appear twice. */
    public static void crossCheck(BundleManifest m, BiFunction<String, String, RuntimeException> refuse) {
        unique(m.images(), "images", "ref", BundleManifest.Image::ref, refuse);
        components(m.components(), refuse);
        volumes(m.volumes(), refuse);
    }

    /** The same rules for the spec (its lists of refs are unique by the schema). */
    public static void crossCheck(BundleSpec s, BiFunction<String, String, RuntimeException> refuse) {
        components(s.components(), refuse);
        volumes(s.volumes(), refuse);
    }

    private static void components(List<BundleManifest.Component> components, BiFunction<String, String, RuntimeException> refuse) {
        unique(components, "components", "name", BundleManifest.Component::name, refuse);
        Set<String> manifests = new HashSet<>();
        for (int i = 0; i < components.size(); i++) {
            List<String> files = components.get(i).manifests();
            for (int j = 0; j < files.size(); j++) {
                if (!manifests.add(files.get(j))) {
                    throw refuse.apply("components[" + i + "].manifests[" + j + "]",
                            Grammar.quote(files.get(j)) + " is listed twice");
                }
            }
        }
    }

    private static void volumes(List<BundleManifest.Volume> volumes, BiFunction<String, String, RuntimeException> refuse) {
        unique(volumes, "volumes", "component/name", v -> v.component() + "/" + v.name(), refuse);
        unique(volumes, "volumes", "claim", BundleManifest.Volume::claim, refuse);
    }

    private static <T> void unique(List<T> list, String path, String key, Function<T, String> of,
            BiFunction<String, String, RuntimeException> refuse) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String v = of.apply(list.get(i));
            if (!seen.add(v)) {
                throw refuse.apply(path + "[" + i + "]" + (key.contains("/") ? "" : "." + key),
                        key + " " + Grammar.quote(v) + " appears twice");
            }
        }
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case ARRAY -> "list";
            case OBJECT -> "object";
            case STRING -> "string";
            case BOOLEAN -> "boolean";
            case NUMBER -> "number";
            default -> n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
