package io.infometis.installer.bundle;

/** The fixed names inside a bundle (docs/bundle-format.md). */
public final class BundleEntries {
    public static final String MANIFEST = "bundle.json";
    public static final String SIGNATURE = "bundle.json.sig";
    public static final String CHECKSUMS = "checksums.txt";
    public static final String IMAGES = "images/";
    public static final String OCI_LAYOUT = "images/oci-layout";
    public static final String OCI_INDEX = "images/index.json";
    public static final String BLOBS = "images/blobs/sha256/";
    public static final String K0S = "k0s/k0s";
    public static final String MANIFESTS = "manifests/";

    private BundleEntries() {
    }

    public static String blob(String hex) {
        return BLOBS + hex;
    }

    /**
     * A relative path made of plain segments: no {@code ..}, no {@code .}, no empty segment, no leading
     * {@code /}, no backslash or NUL. Returns the reason it is not, or null when it is safe.
     */
    public static String unsafePath(String name) {
        if (name == null || name.isEmpty()) {
            return "empty name";
        }
        if (name.startsWith("/")) {
            return "absolute path";
        }
        if (name.length() > 1024) {
            return "name longer than 1024 characters";
        }
        if (name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
            return "NUL or backslash in name";
        }
        String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        for (String seg : trimmed.split("/", -1)) {
            if (seg.equals("..")) {
                return "'..' in path";
            }
            if (seg.isEmpty() || seg.equals(".")) {
                return "empty or '.' path segment";
            }
        }
        return null;
    }
}
