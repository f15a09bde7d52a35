package io.infometis.installer.upgrade;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.infometis.installer.k8s.StackManifests;

/**
 * What changed in one component between two bundles: objects added, removed and changed (by kind, namespace and
 * name; "changed" compares the object's canonical JSON digest, the one the applier stamps), and for a changed one
 * a short unified diff of its YAML.
 */
public record ManifestDiff(String component, List<HasMetadata> added, List<HasMetadata> removed,
        List<HasMetadata> changed, Map<String, List<String>> diffs) {
    /** Lines of diff shown per changed object; the rest is summarised as a count. */
    static final int MAX_DIFF_LINES = 12;

    public static ManifestDiff of(String component, List<HasMetadata> before, List<HasMetadata> after) {
        Map<String, HasMetadata> old = byKey(before);
        Map<String, HasMetadata> now = byKey(after);
        List<HasMetadata> added = new ArrayList<>();
        List<HasMetadata> changed = new ArrayList<>();
        Map<String, List<String>> diffs = new LinkedHashMap<>();
        for (Map.Entry<String, HasMetadata> e : now.entrySet()) {
            HasMetadata was = old.get(e.getKey());
            if (was == null) {
                added.add(e.getValue());
            } else if (!StackManifests.digestOf(was).equals(StackManifests.digestOf(e.getValue()))) {
                changed.add(e.getValue());
                diffs.put(e.getKey(), unified(yaml(was), yaml(e.getValue())));
            }
        }
        List<HasMetadata> removed = old.entrySet().stream().filter(e -> !now.containsKey(e.getKey()))
                .map(Map.Entry::getValue).toList();
        return new ManifestDiff(component, List.copyOf(added), removed, List.copyOf(changed), diffs);
    }

    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && changed.isEmpty();
    }

    public static String key(HasMetadata o) {
        String ns = o.getMetadata().getNamespace();
        return o.getKind() + "/" + (ns == null ? "" : ns + "/") + o.getMetadata().getName();
    }

    private static Map<String, HasMetadata> byKey(List<HasMetadata> objects) {
        Map<String, HasMetadata> m = new LinkedHashMap<>();
        objects.forEach(o -> m.put(key(o), o));
        return m;
    }

    private static List<String> yaml(HasMetadata o) {
        return StackManifests.serialization().asYaml(o).lines().filter(l -> !l.equals("---")).toList();
    }

    /** A unified diff without hunk headers: {@code -} and {@code +} lines only (LCS; objects are small). */
    static List<String> unified(List<String> a, List<String> b) {
        int[][] lcs = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<String> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                i++;
                j++;
            } else if (j < b.size() && (i == a.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
                out.add("+" + b.get(j++));
            } else {
                out.add("-" + a.get(i++));
            }
        }
        if (out.size() > MAX_DIFF_LINES) {
            int more = out.size() - MAX_DIFF_LINES;
            out = new ArrayList<>(out.subList(0, MAX_DIFF_LINES));
            out.add("… " + more + " more changed lines");
        }
        return out;
    }
}
