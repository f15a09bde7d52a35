package io.infometis.installer.bundle;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.infometis.installer.InstallerException;

/**
 * {@code bundle build --mirror REGISTRY=MIRROR}: fetch the images of {@code REGISTRY} from {@code MIRROR} (a proxy or
 * a copy holding the same repositories under the same paths), but name them by their canonical ref, which is what
 * containerd and the kubelet will look up on the node. Both sides are {@code host[:port]}; trust follows the host
 * actually contacted (a plain-HTTP mirror needs {@code --insecure-registry MIRROR}).
 */
public record RegistryMirrors(Map<String, String> byRegistry) {
    private static final String LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
    private static final Pattern HOST_PORT = Pattern.compile(LABEL + "(?:\\." + LABEL + ")*(?::(\\d{1,5}))?");

    public static final RegistryMirrors NONE = new RegistryMirrors(Map.of());

    public RegistryMirrors {
        byRegistry = Map.copyOf(byRegistry);
    }

    /** Parses {@code --mirror} values; anything but {@code host[:port]=host[:port]} is exit 2 with one line. */
    public static RegistryMirrors parse(List<String> flags) {
        Map<String, String> mirrors = new LinkedHashMap<>();
        for (String flag : flags == null ? List.<String>of() : flags) {
            int eq = flag.indexOf('=');
            String registry = eq < 0 ? flag : flag.substring(0, eq).toLowerCase(Locale.ROOT);
            String mirror = eq < 0 ? "" : flag.substring(eq + 1).toLowerCase(Locale.ROOT);
            if (eq < 0 || !hostPort(registry) || !hostPort(mirror)) {
                throw InstallerException.invalidInput("--mirror '" + flag + "' is not REGISTRY=MIRROR with each side host[:port]",
                        "write it like --mirror quay.io=mirror.example.com:5000 (no scheme, no path)");
            }
            String before = mirrors.putIfAbsent(registry, mirror);
            if (before != null && !before.equals(mirror)) {
                throw InstallerException.invalidInput("--mirror names two mirrors for " + registry + ": " + before + " and " + mirror,
                        "give one --mirror per registry");
            }
        }
        return new RegistryMirrors(mirrors);
    }

    /** The host:port to fetch {@code ref} from: its mirror, else its registry's API host. */
    public String hostFor(ImageRef ref) {
        String mirror = byRegistry.get(ref.registry().toLowerCase(Locale.ROOT));
        return mirror != null ? mirror : ref.apiHost();
    }

    /** For messages: {@code " (from mirror HOST)"} when the ref comes through a mirror, else empty. */
    public String via(ImageRef ref) {
        String mirror = byRegistry.get(ref.registry().toLowerCase(Locale.ROOT));
        return mirror == null ? "" : " (from mirror " + mirror + ")";
    }

    private static boolean hostPort(String s) {
        Matcher m = HOST_PORT.matcher(s);
        if (!m.matches() || s.length() > 253 + 6) {
            return false;
        }
        if (m.group(1) == null) {
            return true;
        }
        int port = Integer.parseInt(m.group(1));
        return port >= 1 && port <= 65535;
    }
}
