package io.infometis.installer.testing;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.infometis.installer.phase.preflight.HostFacts;

/**
 * Host facts for preflight tests: a healthy 8-CPU, 32 GiB amd64 host as root, booted like a stock Debian 12 server
 * (cgroup v2, overlay and br_netfilter loaded, no swap, no firewall, SELinux off), with fields to break one thing.
 * Files are a map: a path that is not in it does not exist, and reading it throws {@link NoSuchFileException} as the
 * real host does, so a check that forgets a missing file fails here too.
 */
public final class FakeHostFacts implements HostFacts {
    public int uid = 0;
    public String arch = "amd64";
    public int cpus = 8;
    public long memory = 32L << 30;
    public long free = 500L << 30;
    public final Set<Integer> takenPorts = new HashSet<>();
    /** Paths that exist without content of interest (directories, sockets). */
    public final Set<Path> existing = new HashSet<>(Set.of(Path.of("/proc/cgroups"), Path.of("/sys/fs/cgroup"),
            Path.of("/sys/module/overlay"), Path.of("/sys/module/br_netfilter"),
            Path.of("/proc/sys/net/bridge/bridge-nf-call-iptables")));
    /** Files and their text. */
    public final Map<Path, String> files = new HashMap<>(Map.of(
            Path.of("/proc/mounts"), """
                    /dev/vda1 / ext4 rw,relatime 0 0
                    cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0
                    tmpfs /run tmpfs rw,nosuid,nodev 0 0
                    """,
            Path.of("/sys/fs/cgroup/cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n",
            Path.of("/proc/filesystems"), "nodev\tsysfs\nnodev\tcgroup\nnodev\tcgroup2\n\text4\nnodev\toverlay\n",
            Path.of("/proc/modules"), "br_netfilter 36864 0 - Live 0x0000000000000000\n"
                    + "bridge 311296 1 br_netfilter, Live 0x0000000000000000\noverlay 163840 0 - Live 0x0000000000000000\n",
            Path.of("/proc/sys/net/ipv4/ip_forward"), "1\n",
            Path.of("/proc/swaps"), "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n",
            Path.of("/proc/sys/kernel/hostname"), "infometis-1\n",
            Path.of("/proc/sys/kernel/osrelease"), "6.1.0-18-amd64\n",
            Path.of("/proc/1/stat"), "1 (systemd) S 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 2 0\n"));
    public final Set<String> activeUnits = new HashSet<>();
    public IOException freeBytesFailure;

    /** A running process, as {@code /proc/PID/stat} shows it. */
    public FakeHostFacts process(int pid, String comm, int ppid) {
        files.put(Path.of("/proc/" + pid + "/stat"), pid + " (" + comm + ") S " + ppid + " " + pid + " " + pid
                + " 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 2 0\n");
        return this;
    }

    @Override
    public int uid() {
        return uid;
    }

    @Override
    public String arch() {
        return arch;
    }

    @Override
    public int cpus() {
        return cpus;
    }

    @Override
    public long memoryBytes() {
        return memory;
    }

    @Override
    public long freeBytes(Path path) throws IOException {
        if (freeBytesFailure != null) {
            throw freeBytesFailure;
        }
        return free;
    }

    @Override
    public boolean portFree(int port) {
        return !takenPorts.contains(port);
    }

    /** A path exists when it is listed, is a file, or is a directory holding one of them. */
    @Override
    public boolean exists(Path path) {
        return existing.contains(path) || files.containsKey(path)
                || files.keySet().stream().anyMatch(p -> p.startsWith(path))
                || existing.stream().anyMatch(p -> p.startsWith(path));
    }

    @Override
    public String read(Path path) throws IOException {
        String text = files.get(path);
        if (text == null) {
            throw new NoSuchFileException(path.toString());
        }
        return text;
    }

    @Override
    public java.util.List<String> list(Path dir) throws IOException {
        Set<String> names = new TreeSet<>();
        for (Set<Path> paths : java.util.List.of(files.keySet(), existing)) {
            for (Path p : paths) {
                if (p.startsWith(dir) && !p.equals(dir)) {
                    names.add(p.getName(dir.getNameCount()).toString());
                }
            }
        }
        if (names.isEmpty() && !existing.contains(dir)) {
            throw new NoSuchFileException(dir.toString());
        }
        return java.util.List.copyOf(names);
    }

    @Override
    public boolean unitActive(String unit) {
        return activeUnits.contains(unit);
    }
}
