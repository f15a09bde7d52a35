package io.infometis.installer.host;

import java.nio.file.Path;

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
