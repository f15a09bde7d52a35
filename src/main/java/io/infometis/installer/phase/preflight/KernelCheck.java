package io.infometis.installer.phase.preflight;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.infometis.installer.phase.PhaseContext;

/**
 * The kernel pieces the container runtime, the CNI (kube-router's bridge) and kube-proxy need: overlayfs,
 * br_netfilter and IPv4 forwarding. Read from the real host.
 *
 * <p>What k0s does itself decides the verdicts. Its worker (pkg/component/worker/kernelsetup_linux.go) runs
 * {@code modprobe overlay} and {@code modprobe br_netfilter} when they are missing and writes 1 to
 * {@code net.ipv4.conf.all.forwarding} (which sets {@code net.ipv4.ip_forward}) and the bridge-nf-call sysctls at
 * every start, logging only a warning when that fails. So forwarding being off now passes, a module that exists
 * but is not loaded warns (k0s loads it; some releases built the modprobe command without running it), and a
 * module the kernel does not have fails: without br_netfilter, replies between two pods on the node's one bridge
 * skip iptables, kube-proxy's Service NAT is never undone, and every pod-to-Service call on a single node fails.
 */
public final class KernelCheck implements PreflightCheck {
    static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");

    private enum Module { LOADED, LOADABLE, MISSING }

    @Override
    public String name() {
        return "kernel";
    }

    @Override
    public CheckResult check(PhaseContext ctx, HostFacts facts) throws Exception {
        String release = facts.read(Path.of("/proc/sys/kernel/osrelease")).trim();
        Module overlay = module(facts, release, "overlay", facts.read(Path.of("/proc/filesystems")).lines()
                .anyMatch(l -> l.trim().matches("(nodev\\s+)?overlay")));
        Module brNetfilter = module(facts, release, "br_netfilter",
                facts.exists(Path.of("/proc/sys/net/bridge/bridge-nf-call-iptables")));
        boolean forwarding = facts.read(IP_FORWARD).trim().equals("1");

        List<String> missing = new ArrayList<>();
        if (overlay == Module.MISSING) {
            missing.add("overlay (containerd's overlayfs snapshotter)");
        }
        if (brNetfilter == Module.MISSING) {
            missing.add("br_netfilter (kube-proxy's Service NAT between pods on the node's bridge)");
        }
        String forwardNote = forwarding ? "IPv4 forwarding on"
                : "IPv4 forwarding off now (k0s's worker turns net.ipv4.ip_forward on at every start)";
        if (!missing.isEmpty()) {
            return CheckResult.hostFail(ctx, name(), "the kernel " + release + " has no " + String.join(" and no ", missing),
                    "install the kernel's module package (Debian: linux-image-$(uname -r); Ubuntu: linux-modules-extra-$(uname -r)) "
                            + "or boot a kernel built with CONFIG_OVERLAY_FS and CONFIG_BRIDGE_NETFILTER, then rerun");
        }
        List<String> notLoaded = new ArrayList<>();
        if (overlay == Module.LOADABLE) {
            notLoaded.add("overlay");
        }
        if (brNetfilter == Module.LOADABLE) {
            notLoaded.add("br_netfilter");
        }
        if (!notLoaded.isEmpty()) {
            String mods = String.join(" ", notLoaded);
            return CheckResult.warn(name(), mods + " not loaded yet (k0s's worker runs modprobe for it at start; " + forwardNote + ")",
                    "load it now and at every boot: 'modprobe -a " + mods + "' and 'printf \"%s\\n\" " + mods
                            + " > /etc/modules-load.d/k0s.conf'");
        }
        return CheckResult.pass(name(), "overlay and br_netfilter loaded, " + forwardNote);
    }

    /**
     * Loaded (or built in) when the kernel shows it; loadable when {@code /lib/modules/<release>} holds it
     * (modules.dep names every module file, modules.builtin every built-in one); missing otherwise.
     */
    private static Module module(HostFacts facts, String release, String name, boolean inUse) throws IOException {
        if (inUse || facts.exists(Path.of("/sys/module/" + name)) || loaded(facts, name)) {
            return Module.LOADED;
        }
        Path dir = Path.of("/lib/modules", release);
        if (lists(facts, dir.resolve("modules.builtin"), name)) {
            return Module.LOADED;
        }
        return lists(facts, dir.resolve("modules.dep"), name) ? Module.LOADABLE : Module.MISSING;
    }

    private static boolean loaded(HostFacts facts, String name) throws IOException {
        try {
            return facts.read(Path.of("/proc/modules")).lines().anyMatch(l -> l.startsWith(name + " "));
        } catch (NoSuchFileException e) {
            return false; // a kernel without module support: only built-in modules, seen in /sys/module
        }
    }

    /** modules.dep / modules.builtin lines start with the module's path, e.g. {@code kernel/net/bridge/br_netfilter.ko.xz:}. */
    private static boolean lists(HostFacts facts, Path index, String name) throws IOException {
        try {
            return facts.read(index).lines().map(l -> l.contains(":") ? l.substring(0, l.indexOf(':')) : l.trim())
                    .map(p -> p.substring(p.lastIndexOf('/') + 1))
                    .anyMatch(f -> f.equals(name + ".ko") || f.startsWith(name + ".ko."));
        } catch (NoSuchFileException e) {
            return false;
        }
    }
}
