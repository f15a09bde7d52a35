package io.infometis.installer.bundle;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The grammar of every string field of bundle.json and bundle/bundle.yaml, one small named rule each. A rule's
 * {@code name} completes the sentence "… is not {name}", so a refusal reads as one line naming the field, the value
 * (quoted and escaped: a newline in a value never splits the message) and what it should be.
 */
public final class Grammar {

    /** A named predicate over a string value. */
    public record Rule(String name, Predicate<String> test) {
        public boolean accepts(String value) {
            return value != null && test.test(value);
        }
    }

    // github.com/distribution/reference regexp.go, transcribed: Go's \w and [[:xdigit:]] are ASCII, as Java's are.
    private static final String ALNUM = "[a-z0-9]+";
    private static final String SEPARATOR = "(?:[._]|__|[-]+)";
    private static final String PATH_COMPONENT = ALNUM + "(?:" + SEPARATOR + ALNUM + ")*";
    private static final String REMOTE_NAME = PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*";
    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String DOMAIN_NAME = DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*";
    private static final String IPV6 = "\\[(?:[a-fA-F0-9:]+)\\]";
    private static final String DOMAIN_AND_PORT = "(?:" + DOMAIN_NAME + "|" + IPV6 + ")(?::[0-9]+)?";
    private static final String TAG = "[\\w][\\w.-]{0,127}";
    /**
     * name [":" tag] ["@" digest], with the domain required (fully qualified) and the digest algorithm limited to
     * sha256, the only one containerd and this verifier check.
     */
    static final Pattern REFERENCE = Pattern.compile("(?<domain>" + DOMAIN_AND_PORT + ")/(?<path>" + REMOTE_NAME + ")"
            + "(?::(?<tag>" + TAG + "))?(?:@(?<digest>sha256:[0-9a-f]{64}))?");
    /** reference.go NameTotalLengthMax. */
    static final int NAME_TOTAL_LENGTH_MAX = 255;

    public static final Rule IMAGE_REF = new Rule("a fully qualified image reference (registry/repository:tag or @sha256:…)",
            Grammar::isImageRef);
    /** RFC 1123 label as Kubernetes validates it (IsDNS1123Label): it can be a path segment, a PV name part, a claim. */
    public static final Rule DNS_LABEL = new Rule("a DNS-1123 label (a-z, 0-9, '-', at most 63, alphanumeric at both ends)",
            matches("[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?"));
    /** Four octal digits with a leading 0, at most 0777: no setuid, setgid or sticky bit on a data directory. */
    public static final Rule MODE = new Rule("an octal mode string from \"0000\" to \"0777\"", matches("0[0-7]{3}"));
    public static final Rule QUANTITY = new Rule("a positive Kubernetes quantity of whole bytes (e.g. 10Gi, 500Mi, 1G)",
            v -> quantityBytes(v) != null);
    public static final Rule SHA256_DIGEST = new Rule("sha256:<64 lower-case hex digits>", matches("sha256:[0-9a-f]{64}"));
    public static final Rule SHA256_HEX = new Rule("64 lower-case hex digits", matches("[0-9a-f]{64}"));
    /** The placeholder the repository's spec carries until someone fills in the real sum; only a dry run plans with it. */
    public static final String K0S_SHA256_PLACEHOLDER = "SHA256_OF_K0S_BINARY";
    public static final Rule SPEC_K0S_SHA256 = new Rule("64 lower-case hex digits (or the placeholder " + K0S_SHA256_PLACEHOLDER + ")",
            v -> SHA256_HEX.accepts(v) || v.equals(K0S_SHA256_PLACEHOLDER));
    private static final String PLATFORM_ONE = "[a-z0-9]{1,32}/[a-z0-9]{1,32}(?:/[a-z0-9]{1,32})?";
    public static final Rule PLATFORM = new Rule("os/arch[/variant], comma-separated when several (e.g. linux/amd64)",
            matches(PLATFORM_ONE + "(?:," + PLATFORM_ONE + "){0,7}"));
    /** Semantic versioning with a leading v, as k0s releases are named: v1.33.4+k0s.0. */
    public static final Rule K0S_VERSION = new Rule("a k0s version such as v1.33.4+k0s.0",
            matches("v(?:0|[1-9][0-9]{0,5})\\.(?:0|[1-9][0-9]{0,5})\\.(?:0|[1-9][0-9]{0,5})"
                    + "(?:-[0-9A-Za-z-]{1,32}(?:\\.[0-9A-Za-z-]{1,32}){0,7})?(?:\\+[0-9A-Za-z-]{1,32}(?:\\.[0-9A-Za-z-]{1,32}){0,7})?"));
    /** The bundle's own version: a tag-like word, so it can name files and images. */
    public static final Rule VERSION = new Rule("a version (letters, digits, '.', '_', '+', '-'; at most 128)",
            matches("[0-9A-Za-z][0-9A-Za-z._+-]{0,127}"));
    public static final Rule MEDIA_TYPE_TOP = new Rule("an OCI or Docker v2 image index or manifest media type",
            v -> OciLayout.isIndex(v) || OciLayout.isManifest(v));
    /** RFC 3339 in UTC, seconds precision at most as the builder writes it: 2026-01-01T00:00:00Z. */
    public static final Rule TIMESTAMP = new Rule("a UTC timestamp such as 2026-01-01T00:00:00Z",
            matches("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]{1,9})?Z").and(Grammar::parsesAsInstant));
    public static final Rule K0S_PATH = new Rule("a plain relative path under k0s/", v -> v.startsWith("k0s/") && isBundlePath(v));
    public static final Rule MANIFEST_PATH = new Rule("a plain relative path manifests/<folder>/<file>.yaml",
            v -> v.startsWith(BundleEntries.MANIFESTS) && v.endsWith(".yaml") && isBundlePath(v));
    /** The spec's manifests folder, relative to the spec; a trailing '/' is allowed. */
    public static final Rule RELATIVE_DIR = new Rule("a plain relative folder (no '..', '.', or leading '/')",
            v -> isBundlePath(v.endsWith("/") ? v.substring(0, v.length() - 1) : v));
    /** Where bundle build gets k0s: an https URL or a local path; printable, no whitespace. */
    public static final Rule K0S_SOURCE = new Rule("an https:// URL or a local path (printable, no spaces)",
            matches("[\\x21-\\x7e]{1,2048}").and(v -> v.startsWith("https://") || !v.contains("://")));
    /** The group an image belongs to: k0s' own system images, or the stack's. */
    public static final Rule IMAGE_GROUP = new Rule("\"k0s\" or \"stack\"", v -> v.equals("k0s") || v.equals("stack"));

    private Grammar() {
    }

    private static Predicate<String> matches(String regex) {
        Pattern p = Pattern.compile(regex);
        return v -> p.matcher(v).matches();
    }

    public static boolean isImageRef(String v) {
        var m = REFERENCE.matcher(v);
        if (!m.matches() || (m.group("tag") == null && m.group("digest") == null)) {
            return false;
        }
        String domain = m.group("domain");
        // As distribution's splitDockerDomain: a first element without '.' or ':' (other than localhost) is a path.
        boolean qualified = domain.contains(".") || domain.contains(":") || domain.equals("localhost");
        return qualified && (domain.length() + 1 + m.group("path").length()) <= NAME_TOTAL_LENGTH_MAX;
    }

    /** A bundle entry path as {@link BundleEntries#unsafePath} allows it, printable ASCII only, no trailing '/'. */
    public static boolean isBundlePath(String v) {
        return !v.isEmpty() && !v.endsWith("/") && BundleEntries.unsafePath(v) == null && v.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }

    private static boolean parsesAsInstant(String v) {
        try {
            java.time.Instant.parse(v);
            return true;
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    private static final Pattern QUANTITY_SYNTAX = Pattern.compile(
            "(?<num>[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))(?<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[mkMGTPE]|[eE][+-]?[0-9]{1,3})?");
    private static final BigDecimal MAX_BYTES = BigDecimal.valueOf(Long.MAX_VALUE);

    /**
     * The bytes a Kubernetes quantity (apimachinery resource.Quantity: signedNumber suffix, suffix binarySI | decimalSI |
     * e-exponent) stands for, or null when it is not one, not positive, not a whole number of bytes, or over 2⁶³−1.
     */
    public static BigInteger quantityBytes(String v) {
        if (v == null || v.length() > 64) {
            return null;
        }
        var m = QUANTITY_SYNTAX.matcher(v);
        if (!m.matches()) {
            return null;
        }
        String num = m.group("num");
        BigDecimal n = new BigDecimal(num.startsWith("+") ? num.substring(1) : num);
        String s = m.group("suffix") == null ? "" : m.group("suffix");
        BigDecimal bytes = switch (s) {
            case "" -> n;
            case "m" -> n.movePointLeft(3);
            case "k" -> n.movePointRight(3);
            case "M" -> n.movePointRight(6);
            case "G" -> n.movePointRight(9);
            case "T" -> n.movePointRight(12);
            case "P" -> n.movePointRight(15);
            case "E" -> n.movePointRight(18);
            case "Ki" -> n.multiply(BigDecimal.valueOf(1L << 10));
            case "Mi" -> n.multiply(BigDecimal.valueOf(1L << 20));
            case "Gi" -> n.multiply(BigDecimal.valueOf(1L << 30));
            case "Ti" -> n.multiply(BigDecimal.valueOf(1L << 40));
            case "Pi" -> n.multiply(BigDecimal.valueOf(1L << 50));
            case "Ei" -> n.multiply(BigDecimal.valueOf(1L << 60));
            default -> n.scaleByPowerOfTen(Integer.parseInt(s.substring(1).replace("+", "")));
        };
        if (bytes.signum() <= 0 || bytes.compareTo(MAX_BYTES) > 0 || bytes.stripTrailingZeros().scale() > 0) {
            return null;
        }
        return bytes.toBigIntegerExact();
    }

    /** A value for a one-line message: quoted, control characters escaped, cut at 80 characters. */
    public static String quote(String v) {
        if (v == null) {
            return "null";
        }
        return "'" + printable(v.length() > 80 ? v.substring(0, 80) + "…" : v) + "'";
    }

    /** Control characters (and the line and paragraph separators) as \n or \\uXXXX: a message stays one line. */
    public static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
