package io.infometis.installer.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.infometis.installer.k8s.StackManifests;

class ManifestDiffTest {
    private static List<HasMetadata> parse(String yaml) {
        return StackManifests.parse(yaml, "test");
    }

    @Test
    void namesObjectsAddedRemovedAndChangedWithTheirDiff() {
        List<HasMetadata> before = parse("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: a, namespace: infometis}
                data: {k: "1"}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: gone, namespace: infometis}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: same, namespace: infometis}
                """);
        List<HasMetadata> after = parse("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: a, namespace: infometis}
                data: {k: "2"}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: same, namespace: infometis}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: new, namespace: infometis}
                """);
        ManifestDiff d = ManifestDiff.of("c", before, after);
        assertEquals(List.of("Secret/infometis/new"), d.added().stream().map(ManifestDiff::key).toList());
        assertEquals(List.of("ConfigMap/infometis/gone"), d.removed().stream().map(ManifestDiff::key).toList());
        assertEquals(List.of("ConfigMap/infometis/a"), d.changed().stream().map(ManifestDiff::key).toList());
        List<String> diff = d.diffs().get("ConfigMap/infometis/a");
        assertTrue(diff.stream().anyMatch(l -> l.startsWith("-") && l.contains("k: \"1\"")), diff.toString());
        assertTrue(diff.stream().anyMatch(l -> l.startsWith("+") && l.contains("k: \"2\"")), diff.toString());
        assertEquals(2, diff.size(), "only the changed line: " + diff);
    }

    @Test
    void identicalObjectsMakeNoDiff() {
        String yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n";
        assertTrue(ManifestDiff.of("c", parse(yaml), parse(yaml)).isEmpty());
    }

    @Test
    void aLongDiffIsCutWithACount() {
        List<String> a = java.util.stream.IntStream.range(0, 40).mapToObj(i -> "a" + i).toList();
        List<String> b = java.util.stream.IntStream.range(0, 40).mapToObj(i -> "b" + i).toList();
        List<String> out = ManifestDiff.unified(a, b);
        assertEquals(ManifestDiff.MAX_DIFF_LINES + 1, out.size());
        assertEquals("… 68 more changed lines", out.get(out.size() - 1));
    }
}
