package io.infometis.installer.host;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@link Containerd} through {@code k0s ctr -n k8s.io images ...}. */
public final class K0sContainerd implements Containerd {
    /** Kubelet's image GC never removes an image with this label (k0s #3389). */
    public static final String PINNED = "io.cri-containerd.pinned";
    public static final String NAMESPACE = "k8s.io";

    /** ctr 1.6 prints {@code unpacking REF (DIGEST)...done} per image once its content is in the store. */
    private static final Pattern UNPACKED = Pattern.compile("unpacking (\\S+) \\((sha256:[0-9a-f]{64})\\)\\.\\.\\.done");

    private final K0sCli k0s;
    private final Duration importTimeout;

    public K0sContainerd(K0sCli k0s, Duration importTimeout) {
        this.k0s = k0s;
        this.importTimeout = importTimeout;
    }

    @Override
    public Map<String, StoredImage> images() throws IOException {
        Processes.Result r = K0sCli.check(k0s.ctr(List.of("-n", NAMESPACE, "images", "ls"), null, null,
                Duration.ofMinutes(1)), "listing containerd images");
        return parseListing(r.stdout());
    }

    @Override
    public void importArchive(Processes.StdinWriter archive, Consumer<StoredImage> unpacked) throws IOException {
        Processes.Result r = k0s.ctr(List.of("-n", NAMESPACE, "images", "import", "-"), archive, line -> {
            Matcher m = UNPACKED.matcher(line);
            if (m.find()) {
                unpacked.accept(new StoredImage(m.group(1), m.group(2), Map.of()));
            }
        }, importTimeout);
        K0sCli.check(r, "importing images");
    }

    @Override
    public void label(String ref, String key, String value) throws IOException {
        K0sCli.check(k0s.ctr(List.of("-n", NAMESPACE, "images", "label", ref, key + "=" + value), null, null,
                Duration.ofMinutes(1)), "labelling " + ref);
    }

    @Override
    public void unlabel(String ref, String key) throws IOException {
        K0sCli.check(k0s.ctr(List.of("-n", NAMESPACE, "images", "label", ref, key + "="), null, null,
                Duration.ofMinutes(1)), "unlabelling " + ref);
    }

    /** {@code ctr images rm --sync}: returns once containerd's GC has freed the content. */
    @Override
    public void remove(String ref) throws IOException {
        K0sCli.check(k0s.ctr(List.of("-n", NAMESPACE, "images", "rm", "--sync", ref), null, null,
                Duration.ofMinutes(5)), "removing " + ref);
    }

    /**
     * Columns: REF TYPE DIGEST SIZE PLATFORMS LABELS, padded with spaces; SIZE itself holds a space ({@code 767.0 B}),
     * so only the first three columns and the last one are read by position.
     */
    static Map<String, StoredImage> parseListing(String out) {
        Map<String, StoredImage> images = new LinkedHashMap<>();
        for (String line : out.lines().skip(1).toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            String last = f[f.length - 1];
            if (!last.equals("-")) {
                for (String kv : last.split(",")) {
                    int eq = kv.indexOf('=');
                    if (eq > 0) {
                        labels.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                }
            }
            images.put(f[0], new StoredImage(f[0], f[2], labels));
        }
        return images;
    }
}
