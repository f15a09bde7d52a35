package io.infometis.installer.host;

import java.nio.file.Path;
import java.util.regex.Pattern;

import io.infometis.installer.InstallerException;

/**
 * Every host path the installer touches, resolved under {@code --root} (default {@code /}), so a whole
 * install can run in a sandbox directory.
 */
public final class HostPaths {
    public static final String K0S_BINARY = "/usr/local/bin/k0s";
    public static final String K0S_CONFIG = "/etc/k0s/k0s.yaml";
    public static final String K0S_DATA_DIR = "/var/lib/k0s";
    public static final String K0S_ADMIN_CONF = "/var/lib/k0s/pki/admin.conf";
    public static final String K0S_RUN_DIR = "/run/k0s";
    public static final String K0S_STATUS_SOCKET = "/run/k0s/status.sock";
    public static final String STATE_DIR = "/var/lib/infometis";
    public static final String VOLUMES_DIR = "/tmp/infometis/volumes";
    public static final String TMPFILES_RULE = "/etc/tmpfiles.d/infometis.conf";
    public static final String LOCK_FILE = "/run/infometis/install.lock";

    private final Path root;
    private final Path stateDir;
    private final String volumesDir;

    public HostPaths(Path root, Path stateDir) {
        this(root, stateDir, null);
    }

    /**
     * @param stateDir   an explicit {@code --state-dir}, taken as given; null for {@code <root>/var/lib/infometis}
     * @param volumesDir the volumes' host path as the cluster sees it ({@code --volumes-dir}); null for the default
     */
    public HostPaths(Path root, Path stateDir, String volumesDir) {
        this.root = root.toAbsolutePath().normalize();
        this.stateDir = stateDir != null ? stateDir.toAbsolutePath().normalize() : resolve(STATE_DIR);
        this.volumesDir = volumesDir != null ? volumesDir : VOLUMES_DIR;
    }

    public static HostPaths of(Path root) {
        return new HostPaths(root, null);
    }

    /** Resolves an absolute host path such as {@code /etc/k0s/k0s.yaml} under the root. */
    public Path resolve(String absolute) {
        return root.resolve(absolute.startsWith("/") ? absolute.substring(1) : absolute);
    }

    public Path root() {
        return root;
    }

    /** True when installing onto the real host rather than into a sandbox. */
    public boolean isHostRoot() {
        return root.getParent() == null;
    }

    public Path stateDir() {
        return stateDir;
    }

    public Path journalFile() {
        return stateDir.resolve("journal.json");
    }

    public Path preflightResults() {
        return stateDir.resolve("preflight.json");
    }

    /** A DNS-1123 label: the only thing a volume's component or name may be, so a segment can never be '..' or hold '/'. */
    private static final Pattern LABEL = Pattern.compile("[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?");
    /** An absolute path of printable, non-blank characters: safe in a tmpfiles.d line and a PV's hostPath. */
    private static final Pattern PLAIN_ABSOLUTE = Pattern.compile("/[\\x21-\\x7e]*");

    /**
     * {@code <volumesDir>/<component>/<name>} as the cluster sees it (never under --root). Derived, never taken from
     * the bundle: component and name must be DNS-1123 labels (the bundle validator already refused anything else; this
     * is the construction's own guarantee), the result is normalised and must sit exactly two levels below the base.
     */
    public static String volumeHostPath(String volumesDir, String component, String name) {
        if (component == null || name == null || !LABEL.matcher(component).matches() || !LABEL.matcher(name).matches()) {
            throw InstallerException.invalidInput("volume " + component + "/" + name + " is not named by two DNS-1123 labels",
                    "fix the bundle's volumes; run 'infometis bundle verify'");
        }
        Path base = plainBase(volumesDir);
        Path dir = base.resolve(component).resolve(name).normalize();
        if (!dir.startsWith(base) || dir.getNameCount() != base.getNameCount() + 2) {
            throw InstallerException.invalidInput("volume " + component + "/" + name + " escapes " + base, "fix the bundle's volumes");
        }
        return dir.toString();
    }

    /** The volumes base as an absolute, normalised path with no blank or control characters. */
    public static Path plainBase(String volumesDir) {
        if (volumesDir == null || !PLAIN_ABSOLUTE.matcher(volumesDir).matches()) {
            throw InstallerException.invalidInput("volumes dir " + String.valueOf(volumesDir).replaceAll("\\p{Cntrl}", "?")
                    + " is not an absolute path of printable characters without spaces", "pass --volumes-dir /an/absolute/path");
        }
        Path base = Path.of(volumesDir).normalize();
        if (!base.toString().equals(volumesDir.length() > 1 && volumesDir.endsWith("/") ? volumesDir.substring(0, volumesDir.length() - 1)
                : volumesDir) || base.getNameCount() == 0) {
            throw InstallerException.invalidInput("volumes dir " + volumesDir + " is not a normalised path below /",
                    "pass --volumes-dir without '.', '..' or '//' segments");
        }
        return base;
    }

    /** The directory of a volume under the root; see {@link #volumeHostPath}. */
    public Path volumeDir(String component, String name) {
        Path dir = resolve(volumeHostPath(volumesDir, component, name)).normalize();
        if (!dir.startsWith(root)) {
            throw InstallerException.invalidInput("volume " + component + "/" + name + " escapes the root " + root, "fix the bundle's volumes");
        }
        return dir;
    }

    /** Where the volumes' directories are created: {@code --volumes-dir} under the root. */
    public Path volumesDir() {
        return resolve(volumesDir);
    }

    public Path lockFile() {
        return resolve(LOCK_FILE);
    }

    public Path k0sBinary() {
        return resolve(K0S_BINARY);
    }

    public Path k0sConfig() {
        return resolve(K0S_CONFIG);
    }

    public Path adminKubeconfig() {
        return resolve(K0S_ADMIN_CONF);
    }

    public Path statusSocket() {
        return resolve(K0S_STATUS_SOCKET);
    }
}
