package io.infometis.installer.phase.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.phase.PhaseContext;
import io.infometis.installer.phase.preflight.CheckResult.Status;
import io.infometis.installer.testing.FakeHostFacts;

/** cgroups and kernel: what k0s's containerd, kubelet, kube-router and kube-proxy need from the kernel. */
class KernelChecksTest {
    final FakeHostFacts facts = new FakeHostFacts();
    final PhaseContext host = new PreflightPhaseTest.PhaseContextStub(Path.of("/")).ctx();
    @TempDir
    Path sandbox;

    private static final String V1_MOUNTS = """
            /dev/vda1 / ext4 rw 0 0
            tmpfs /sys/fs/cgroup tmpfs rw,mode=755 0 0
            cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0
            cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0
            cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0
            """;

    @Test
    void cgroupV2WithItsControllersPasses() throws Exception {
        CheckResult r = new CgroupsCheck().check(host, facts);
        assertEquals(Status.PASS, r.status(), r.toString());
        assertTrue(r.message().startsWith("cgroup v2"), r.message());
    }

    @Test
    void cgroupV1WarnsThatKubernetes135RefusesIt() throws Exception {
        facts.files.put(CgroupsCheck.MOUNTS, V1_MOUNTS);
        CheckResult r = new CgroupsCheck().check(host, facts);
        assertEquals(Status.WARN, r.status(), r.toString());
        assertTrue(r.message().contains("cgroup v1") && r.message().contains("1.35"), r.message());
        assertTrue(r.remedy().contains("systemd.unified_cgroup_hierarchy=1"), r.remedy());
    }

    @Test
    void noCgroupHierarchyFails() throws Exception {
        facts.files.put(CgroupsCheck.MOUNTS, "/dev/vda1 / ext4 rw 0 0\nproc /proc proc rw 0 0\n");
        CheckResult r = new CgroupsCheck().check(host, facts);
        assertEquals(Status.FAIL, r.status(), r.toString());
        assertTrue(r.remedy().contains("mount -t cgroup2 cgroup2 /sys/fs/cgroup"), r.remedy());
    }

    @Test
    void cgroupV2WithoutTheMemoryControllerFails() throws Exception {
        facts.files.put(CgroupsCheck.CONTROLLERS, "cpuset cpu io pids\n");
        CheckResult r = new CgroupsCheck().check(host, facts);
        assertEquals(Status.FAIL, r.status(), r.toString());
        assertTrue(r.message().contains("memory"), r.message());
    }

    @Test
    void aHostFactUnderASandboxRootOnlyWarnsAndSaysSo() throws Exception {
        facts.files.put(CgroupsCheck.MOUNTS, "/dev/vda1 / ext4 rw 0 0\n");
        CheckResult r = new CgroupsCheck().check(new PreflightPhaseTest.PhaseContextStub(sandbox).ctx(), facts);
        assertEquals(Status.WARN, r.status(), r.toString());
        assertTrue(r.message().contains("a real install on this host would stop here"), r.message());
    }

    @Test
    void loadedModulesAndForwardingPass() throws Exception {
        CheckResult r = new KernelCheck().check(host, facts);
        assertEquals(Status.PASS, r.status(), r.toString());
        assertEquals("overlay and br_netfilter loaded, IPv4 forwarding on", r.message());
    }

    @Test
    void forwardingOffPassesBecauseK0sTurnsItOn() throws Exception {
        facts.files.put(KernelCheck.IP_FORWARD, "0\n");
        CheckResult r = new KernelCheck().check(host, facts);
        assertEquals(Status.PASS, r.status(), r.toString());
        assertTrue(r.message().contains("k0s's worker turns net.ipv4.ip_forward on at every start"), r.message());
    }

    private void unloadBrNetfilter() {
        facts.existing.remove(Path.of("/sys/module/br_netfilter"));
        facts.existing.remove(Path.of("/proc/sys/net/bridge/bridge-nf-call-iptables"));
        facts.files.put(Path.of("/proc/modules"), "overlay 163840 0 - Live 0x0000000000000000\n");
    }

    @Test
    void aModuleOnDiskButNotLoadedWarnsWithModprobeAndModulesLoadD() throws Exception {
        unloadBrNetfilter();
        facts.files.put(Path.of("/lib/modules/6.1.0-18-amd64/modules.dep"),
                "kernel/net/bridge/bridge.ko: kernel/net/802/stp.ko\nkernel/net/bridge/br_netfilter.ko: kernel/net/bridge/bridge.ko\n");
        CheckResult r = new KernelCheck().check(host, facts);
        assertEquals(Status.WARN, r.status(), r.toString());
        assertTrue(r.message().startsWith("br_netfilter not loaded yet"), r.message());
        assertTrue(r.remedy().contains("modprobe -a br_netfilter") && r.remedy().contains("/etc/modules-load.d/k0s.conf"),
                r.remedy());
    }

    @Test
    void aCompressedModuleFileCountsAsLoadable() throws Exception {
        unloadBrNetfilter();
        facts.files.put(Path.of("/lib/modules/6.1.0-18-amd64/modules.dep"),
                "kernel/net/bridge/br_netfilter.ko.zst: kernel/net/bridge/bridge.ko.zst\n");
        assertEquals(Status.WARN, new KernelCheck().check(host, facts).status());
    }

    @Test
    void aBuiltInModulePasses() throws Exception {
        unloadBrNetfilter();
        facts.files.put(Path.of("/lib/modules/6.1.0-18-amd64/modules.builtin"), "kernel/net/bridge/br_netfilter.ko\n");
        assertEquals(Status.PASS, new KernelCheck().check(host, facts).status());
    }

    @Test
    void aKernelWithoutBrNetfilterFailsNamingWhatBreaks() throws Exception {
        unloadBrNetfilter();
        CheckResult r = new KernelCheck().check(host, facts);
        assertEquals(Status.FAIL, r.status(), r.toString());
        assertTrue(r.message().contains("no br_netfilter") && r.message().contains("6.1.0-18-amd64"), r.message());
        assertTrue(r.remedy().contains("linux-modules-extra-$(uname -r)"), r.remedy());
    }

    @Test
    void overlayAsAFilesystemOnlyCountsAsLoaded() throws Exception {
        facts.existing.remove(Path.of("/sys/module/overlay"));
        facts.files.put(Path.of("/proc/modules"), "br_netfilter 36864 0 - Live 0x0\n");
        assertEquals(Status.PASS, new KernelCheck().check(host, facts).status(), "listed in /proc/filesystems");
        facts.files.put(Path.of("/proc/filesystems"), "nodev\tsysfs\n\text4\n");
        CheckResult r = new KernelCheck().check(host, facts);
        assertEquals(Status.FAIL, r.status(), r.toString());
        assertTrue(r.message().contains("no overlay"), r.message());
    }
}
