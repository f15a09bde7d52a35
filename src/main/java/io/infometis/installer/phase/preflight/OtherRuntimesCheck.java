package io.infometis.installer.phase.preflight;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.infometis.installer.phase.PhaseContext;
import io.infometis.installer.progress.State;

/**
 * Another Kubernetes or container runtime on the host. k0s brings its own containerd (socket
 * {@code /run/k0s/containerd.sock}), kubelet (root dir {@code /var/lib/k0s/kubelet}) and control plane, and
 * supervises them as its children. A second kubelet or distribution (kubeadm's kubelet, k3s, rke2, MicroK8s,
 * CRI-O) fights it for ports, cgroups and iptables: refused. A second containerd or dockerd can coexist but takes
 * memory and, for Docker, rewrites iptables: warned. It also checks the node-local ports of k0s's components that
 * {@link PortsCheck} does not (k0s docs, "Required ports and protocols", plus the components' own listeners).
 */
public final class OtherRuntimesCheck implements PreflightCheck {
    /** Refused: a second kubelet or Kubernetes distribution (comm names, at most 15 characters). */
    static final Set<String> KUBERNETES = Set.of("kubelet", "kube-apiserver", "k3s", "k3s-server", "k3s-agent", "rke2",
            "kubelite", "crio");
    /** Warned: a runtime that coexists with k0s's own containerd. */
    static final Set<String> RUNTIMES = Set.of("dockerd", "containerd");
    /**
     * kube-router BGP 179, etcd client 2379, konnectivity admin 8133, kubelet healthz 10248, kube-proxy metrics
     * and healthz 10249/10256, kube-controller-manager 10257, kube-scheduler 10259.
     */
    static final int[] PORTS = { 179, 2379, 8133, 10248, 10249, 10256, 10257, 10259 };

    /** @param hostFact read from the real host (processes, ports), so only a warning under a sandbox --root */
    private record Finding(boolean refuse, boolean hostFact, String what, String remedy) {
    }

    @Override
    public String name() {
        return "other-runtimes";
    }

    @Override
    public CheckResult check(PhaseContext ctx, HostFacts facts) throws Exception {
        List<Finding> found = new ArrayList<>();
        processes(facts, found);
        if (!ourK0sRan(ctx)) {
            List<String> taken = new ArrayList<>();
            for (int p : PORTS) {
                if (!facts.portFree(p)) {
                    taken.add(Integer.toString(p));
                }
            }
            if (!taken.isEmpty()) {
                found.add(new Finding(true, true, "ports k0s's components listen on are in use: " + String.join(", ", taken),
                        "stop what listens there (see 'ss -ltnp')"));
            }
        }
        paths(ctx, facts, found);
        if (found.isEmpty()) {
            return CheckResult.pass(name(), "no other kubelet or container runtime, k0s's component ports free");
        }
        String message = String.join("; ", found.stream().map(Finding::what).toList());
        String remedy = String.join("; ", found.stream().map(Finding::remedy).distinct().toList());
        if (found.stream().anyMatch(f -> f.refuse() && !f.hostFact())) {
            return CheckResult.fail(name(), message, remedy);
        }
        return found.stream().anyMatch(Finding::refuse) ? CheckResult.hostFail(ctx, name(), message, remedy)
                : CheckResult.warn(name(), message, remedy);
    }

    private static void processes(HostFacts facts, List<Finding> found) throws IOException {
        RunningProcesses procs = RunningProcesses.read(facts);
        for (String comm : KUBERNETES.stream().sorted().toList()) {
            for (RunningProcesses.Proc p : procs.named(comm)) {
                if (!procs.descendsFrom(p, "k0s")) {
                    found.add(new Finding(true, true, comm + " (pid " + p.pid() + ") runs outside k0s: another Kubernetes would "
                            + "fight k0s for ports 6443/10250, cgroups and iptables",
                            "stop and disable it (e.g. 'systemctl disable --now kubelet k3s rke2-server'), or install on a clean host"));
                }
            }
        }
        for (String comm : RUNTIMES.stream().sorted().toList()) {
            for (RunningProcesses.Proc p : procs.named(comm)) {
                if (!procs.descendsFrom(p, "k0s")) {
                    found.add(new Finding(false, true, comm + " (pid " + p.pid() + ") runs beside the containerd k0s brings: "
                            + "two runtimes share memory and iptables (Docker sets the FORWARD policy to DROP)",
                            "if nothing needs it, 'systemctl disable --now docker containerd'"));
                }
            }
        }
    }

    /** Paths another Kubernetes leaves, read under --root like every path the install writes. */
    private static void paths(PhaseContext ctx, HostFacts facts, List<Finding> found) throws IOException {
        Path k0sData = ctx.paths().resolve("/var/lib/k0s");
        if (!ctx.journal().hasEarlierRun() && nonEmpty(facts, k0sData)) {
            found.add(new Finding(true, false, k0sData + " holds k0s data this installer did not write",
                    "run 'k0s reset' (it removes that cluster's data), then rerun"));
        }
        Path kubelet = ctx.paths().resolve("/var/lib/kubelet");
        if (nonEmpty(facts, kubelet)) {
            found.add(new Finding(false, false, kubelet + " is left by another Kubernetes (k0s keeps its kubelet in /var/lib/k0s/kubelet)",
                    "if that cluster is gone, remove it ('kubeadm reset' or 'rm -rf /var/lib/kubelet' after unmounting what is below it)"));
        }
        Path socket = ctx.paths().resolve("/run/containerd/containerd.sock");
        if (facts.exists(socket) && found.stream().noneMatch(f -> f.what().startsWith("containerd "))) {
            found.add(new Finding(false, false, socket + " exists: another containerd serves it (k0s's is /run/k0s/containerd.sock)",
                    "if nothing needs it, 'systemctl disable --now docker containerd'"));
        }
    }

    private static boolean nonEmpty(HostFacts facts, Path dir) throws IOException {
        try {
            return facts.exists(dir) && !facts.list(dir).isEmpty();
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return facts.exists(dir);
        }
    }

    /** Our own k0s from an earlier run of this install holds these ports (as in {@link PortsCheck}). */
    private static boolean ourK0sRan(PhaseContext ctx) {
        State k0s = ctx.journal().phaseState("k0s");
        return k0s == State.SUCCEEDED || k0s == State.SKIPPED;
    }
}
