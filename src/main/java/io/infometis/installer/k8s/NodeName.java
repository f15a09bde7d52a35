package io.infometis.installer.k8s;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The name this host's node gets in Kubernetes. k0s takes it from {@code nodeutil.GetHostname} (k0s
 * pkg/node/nodename.go), which trims the kernel's hostname and lower-cases it; the API server then accepts it
 * only as a DNS-1123 subdomain (ValidateNodeName).
 */
public final class NodeName {
    static final Path KERNEL_HOSTNAME = Path.of("/proc/sys/kernel/hostname");
    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    static final int MAX_LENGTH = 253;

    private NodeName() {
    }

    /** What k0s registers for a hostname: trimmed and lower-cased (kubelet's own rule). */
    public static String fromHostname(String hostname) {
        return hostname.trim().toLowerCase(Locale.ROOT);
    }

    /** The kernel's hostname, as Go's {@code os.Hostname} reads it on Linux. */
    public static String hostname() throws IOException {
        return Files.readString(KERNEL_HOSTNAME);
    }

    /** Why the API server would refuse this node name, or empty when it is a valid DNS-1123 subdomain. */
    public static Optional<String> invalidReason(String name) {
        if (name.isEmpty()) {
            return Optional.of("it is empty");
        }
        if (name.length() > MAX_LENGTH) {
            return Optional.of("it is " + name.length() + " characters long, more than " + MAX_LENGTH);
        }
        for (String label : name.split("\\.", -1)) {
            if (!DNS1123_LABEL.matcher(label).matches()) {
                return Optional.of("'" + label + "' is not a DNS label: only a-z, 0-9 and '-' inside, "
                        + "starting and ending with a letter or digit, labels separated by single dots");
            }
        }
        return Optional.empty();
    }
}
