package io.infometis.installer.upgrade;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.infometis.installer.InstallerException;

/**
 * k0s versions ({@code v1.33.4+k0s.0}) and the Kubernetes version-skew policy for a one-node upgrade: the control
 * plane may go up by at most one minor version at a time (kubernetes.io/releases/version-skew-policy), and nothing
 * may go down (k0s does not support downgrading its etcd/kine data: docs/upgrade.md).
 */
public final class K0sVersions {
    private static final Pattern VERSION = Pattern.compile("v?(\\d+)\\.(\\d+)\\.(\\d+)(?:\\+k0s\\.(\\d+))?");

    /** major, minor, patch, k0s build. */
    public record Version(int major, int minor, int patch, int build) implements Comparable<Version> {
        @Override
        public int compareTo(Version o) {
            int c = Integer.compare(major, o.major);
            c = c != 0 ? c : Integer.compare(minor, o.minor);
            c = c != 0 ? c : Integer.compare(patch, o.patch);
            return c != 0 ? c : Integer.compare(build, o.build);
        }
    }

    private K0sVersions() {
    }

    public static Version parse(String s) {
        Matcher m = s == null ? null : VERSION.matcher(s.trim());
        if (m == null || !m.matches()) {
            throw InstallerException.invalidInput("k0s version '" + s + "' is not of the form v1.33.4+k0s.0",
                    "rebuild the bundle with 'infometis bundle build'");
        }
        return new Version(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                m.group(4) == null ? 0 : Integer.parseInt(m.group(4)));
    }

    /**
     * Refuses (exit 2) a downgrade or a skip of a minor version. Returns true when k0s changes.
     */
    public static boolean checkUpgrade(String installed, String wanted) {
        Version from = parse(installed);
        Version to = parse(wanted);
        int c = to.compareTo(from);
        if (c < 0) {
            throw InstallerException.invalidInput("the bundle's k0s " + wanted + " is older than the installed "
                    + installed + ": k0s cannot be downgraded", "use a bundle with k0s " + installed + " or newer");
        }
        if (to.major() != from.major() || to.minor() > from.minor() + 1) {
            throw InstallerException.invalidInput("k0s " + installed + " → " + wanted + " skips a Kubernetes minor "
                    + "version, which the version-skew policy forbids", "upgrade through a bundle with k0s v"
                    + from.major() + "." + (from.minor() + 1) + ".x first");
        }
        return c != 0;
    }
}
