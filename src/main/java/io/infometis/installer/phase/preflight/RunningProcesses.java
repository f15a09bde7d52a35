package io.infometis.installer.phase.preflight;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The host's processes as {@code /proc/PID/stat} shows them: name (the kernel's comm) and parent. */
final class RunningProcesses {
    record Proc(int pid, String comm, int ppid) {
    }

    private final Map<Integer, Proc> byPid;

    private RunningProcesses(Map<Integer, Proc> byPid) {
        this.byPid = byPid;
    }

    static RunningProcesses read(HostFacts facts) throws IOException {
        Map<Integer, Proc> procs = new HashMap<>();
        for (String name : facts.list(Path.of("/proc"))) {
            if (!name.chars().allMatch(Character::isDigit)) {
                continue;
            }
            try {
                Proc p = parse(facts.read(Path.of("/proc", name, "stat")));
                if (p != null) {
                    procs.put(p.pid(), p);
                }
            } catch (NoSuchFileException exited) {
                // gone between the listing and the read
            }
        }
        return new RunningProcesses(procs);
    }

    /** {@code PID (COMM) STATE PPID ...}; COMM may hold spaces and parentheses, so it ends at the last ')'. */
    static Proc parse(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) {
            return null;
        }
        String[] rest = stat.substring(close + 1).trim().split("\\s+");
        try {
            return new Proc(Integer.parseInt(stat.substring(0, open).trim()), stat.substring(open + 1, close),
                    rest.length > 1 ? Integer.parseInt(rest[1]) : 0);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    List<Proc> named(String comm) {
        List<Proc> out = new ArrayList<>();
        byPid.values().stream().filter(p -> p.comm().equals(comm)).sorted(java.util.Comparator.comparingInt(Proc::pid))
                .forEach(out::add);
        return out;
    }

    /** Is one of its ancestors named {@code comm}? (k0s supervises its containerd, kubelet, etcd and API server.) */
    boolean descendsFrom(Proc p, String comm) {
        int pid = p.ppid();
        for (int depth = 0; pid > 1 && depth < 64; depth++) {
            Proc parent = byPid.get(pid);
            if (parent == null) {
                return false;
            }
            if (parent.comm().equals(comm)) {
                return true;
            }
            pid = parent.ppid();
        }
        return false;
    }
}
