package io.infometis.installer.bundle;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code checksums.txt}: one {@code <sha256-hex>  <path>} line per file other than bundle.json, its signature and
 * itself, in tar order. The same format as {@code sha256sum}, so {@code sha256sum -c checksums.txt} works in an
 * unpacked bundle.
 */
public final class Checksums {
    private final Map<String, String> byPath;

    private Checksums(Map<String, String> byPath) {
        this.byPath = Collections.unmodifiableMap(byPath);
    }

    public static Checksums of(Map<String, String> byPath) {
        return new Checksums(new LinkedHashMap<>(byPath));
    }

    /** Paths to hex digests, in file order. */
    public Map<String, String> byPath() {
        return byPath;
    }

    public byte[] toBytes() {
        StringBuilder sb = new StringBuilder();
        byPath.forEach((path, hex) -> sb.append(hex).append("  ").append(path).append('\n'));
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses strictly; throws a {@link BundleDefect} naming the first bad line. */
    public static Checksums parse(byte[] bytes) {
        Map<String, String> map = new LinkedHashMap<>();
        String text = new String(bytes, StandardCharsets.UTF_8);
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            if (line.length() < 67 || !Digests.isSha256Hex(line.substring(0, 64)) || !line.startsWith("  ", 64)) {
                throw new BundleDefect(BundleEntries.CHECKSUMS, "line " + lineNo + " is not '<sha256>  <path>'");
            }
            String path = line.substring(66);
            String unsafe = BundleEntries.unsafePath(path);
            if (unsafe != null || path.endsWith("/")) {
                throw new BundleDefect(BundleEntries.CHECKSUMS, "line " + lineNo + ": bad path " + path
                        + (unsafe == null ? "" : " (" + unsafe + ")"));
            }
            if (path.equals(BundleEntries.MANIFEST) || path.equals(BundleEntries.SIGNATURE)
                    || path.equals(BundleEntries.CHECKSUMS)) {
                throw new BundleDefect(BundleEntries.CHECKSUMS, "line " + lineNo + " lists " + path);
            }
            if (map.put(path, line.substring(0, 64)) != null) {
                throw new BundleDefect(BundleEntries.CHECKSUMS, "line " + lineNo + " lists " + path + " twice");
            }
        }
        return new Checksums(map);
    }
}
