package io.infometis.installer.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import io.infometis.installer.phase.preflight.HostFacts;

/** Host facts for preflight tests: a healthy 8-CPU, 32 GiB amd64 host as root, with setters to break one thing. */
public final class FakeHostFacts implements HostFacts {
    public int uid = 0;
    public String arch = "amd64";
    public int cpus = 8;
    public long memory = 32L << 30;
    public long free = 500L << 30;
    public final Set<Integer> takenPorts = new HashSet<>();
    public final Set<Path> existing = new HashSet<>(Set.of(Path.of("/proc/cgroups"), Path.of("/sys/fs/cgroup"),
            Path.of("/sys/module/overlay")));
    public IOException freeBytesFailure;

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

    @Override
    public boolean exists(Path path) {
        return existing.contains(path);
    }

    @Override
    public String read(Path path) {
        return "nodev\toverlay\n";
    }
}
