package io.infometis.installer.bundle;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one canonical parse of the JSON documents in a bundle: bundle.json (every reader — verify, inspect, install's
 * first look, the extractor — comes through {@link #manifest}) and the OCI layout's index.json, manifests and
 * configs ({@link #document}). Two programs reading the same bytes must see the same document, so anything a JSON
 * reader may resolve differently is refused rather than resolved:
 * <ul>
 * <li>a byte-order mark, a NUL byte (UTF-16/32 detection) or bytes that are not UTF-8;</li>
 * <li>a key twice in one object (Jackson and Go's encoding/json keep the last, other readers the first), and in
 * OCI documents two keys equal but for case (Go matches struct fields case-insensitively);</li>
 * <li>anything after the top-level value but whitespace;</li>
 * <li>nesting deeper than 64 levels;</li>
 * <li>in bundle.json, a key the {@link BundleSchema} does not list and a value of the wrong JSON type: no
 * coercion of {@code "1"} or {@code 1.9} to 1, no {@code null} for a missing value.</li>
 * </ul>
 */
public final class BundleJson {
    private static final int MAX_DEPTH = 64;

    /** Reads trees: duplicates and trailing tokens refused, nothing coerced. */
    static final ObjectMapper STRICT = JsonMapper.builder(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build())
            .addModule(new JavaTimeModule())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            // The schema has already refused every key it does not list; binding ignores the few it lists that a
            // record does not hold yet (see BundleSchema), instead of failing a second, different way.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .withCoercionConfigDefaults(c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
            .build();

    private BundleJson() {
    }

    /** bundle.json, parsed and validated field by field: format version first, then every field, then uniqueness. */
    public static BundleManifest manifest(byte[] bytes) {
        JsonNode tree = tree(BundleEntries.MANIFEST, bytes);
        if (!tree.isObject()) {
            throw new BundleDefect(BundleEntries.MANIFEST, "not a JSON object");
        }
        JsonNode version = tree.get("formatVersion");
        if (version == null || !version.isIntegralNumber() || !version.canConvertToInt()
                || version.intValue() != BundleManifest.FORMAT_VERSION) {
            throw new BundleDefect(BundleEntries.MANIFEST, "unknown format version "
                    + (version == null ? "(none)" : Grammar.printable(version.toString()))
                    + " (this installer reads version " + BundleManifest.FORMAT_VERSION + ", written as the number 1)");
        }
        BundleSchema.check(tree, BundleSchema.MANIFEST, "", BundleJson::defect);
        BundleManifest m;
        try {
            m = STRICT.treeToValue(tree, BundleManifest.class);
        } catch (JsonProcessingException e) {
            // The schema admits only what binds; reaching here is a schema/record mismatch, still refused as input.
            throw defect("(top level)", "does not bind: " + firstLine(e.getOriginalMessage()));
        }
        BundleSchema.crossCheck(m, BundleJson::defect);
        return m;
    }

    private static RuntimeException defect(String field, String what) {
        return new BundleDefect(BundleEntries.MANIFEST, field + " " + what);
    }

    /**
     * A JSON document from a bundle: one value, strictly parsed; for OCI documents ({@code foldCase}) also refused
     * when two keys of one object differ only in case.
     */
    public static JsonNode document(String entry, byte[] bytes) {
        JsonNode node = tree(entry, bytes);
        if (!node.isObject()) {
            throw new BundleDefect(entry, "not a JSON object");
        }
        String dup = caseFoldedDuplicate(node);
        if (dup != null) {
            throw new BundleDefect(entry, "two keys differ only in case (" + Grammar.quote(dup) + "); readers disagree on which wins");
        }
        return node;
    }

    static JsonNode tree(String entry, byte[] bytes) {
        if (bytes.length >= 2 && ((bytes[0] & 0xff) == 0xef || (bytes[0] & 0xff) == 0xfe || (bytes[0] & 0xff) == 0xff)) {
            throw new BundleDefect(entry, "starts with a byte-order mark or is not UTF-8; write plain UTF-8 JSON");
        }
        for (byte b : bytes) {
            if (b == 0) {
                throw new BundleDefect(entry, "holds a NUL byte; JSON in a bundle is UTF-8 text");
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            throw new BundleDefect(entry, "is not valid UTF-8");
        }
        try {
            JsonNode node = STRICT.readTree(bytes);
            if (node == null || node.isMissingNode()) {
                throw new BundleDefect(entry, "empty; a JSON object was expected");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new BundleDefect(entry, "malformed JSON (" + io.infometis.installer.ParseErrors.describe(e) + ")");
        } catch (IOException e) {
            throw new BundleDefect(entry, "unreadable JSON (" + firstLine(e.getMessage()) + ")");
        }
    }

    /** The first key, anywhere in the tree, that equals another key of its object but for case; null when none. */
    private static String caseFoldedDuplicate(JsonNode root) {
        Deque<JsonNode> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            JsonNode n = todo.pop();
            if (n.isObject()) {
                Map<String, String> folded = new HashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (folded.put(e.getKey().toLowerCase(Locale.ROOT), e.getKey()) != null) {
                        return e.getKey();
                    }
                    todo.push(e.getValue());
                }
            } else if (n.isArray()) {
                n.forEach(todo::push);
            }
        }
        return null;
    }

    private static String firstLine(String s) {
        return s == null ? "" : Grammar.printable(s.lines().findFirst().orElse(""));
    }
}
