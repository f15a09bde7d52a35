package io.infometis.installer.phase.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.host.HostPaths;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.install.Installer;
import io.infometis.installer.phase.PhaseContext;
import io.infometis.installer.phase.PhaseRunner.Outcome;
import io.infometis.installer.phase.preflight.CheckResult.Status;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.FakeHostFacts;

/** swap, selinux, firewall, other-runtimes, hostname: what else on a real host stops k0s. */
class HostServicesChecksTest {
    final FakeHostFacts facts = new FakeHostFacts();
    final PhaseContext host = new PreflightPhaseTest.PhaseContextStub(Path.of("/")).ctx();
    @TempDir
    Path sandbox;

    @Test
    void noSwapPassesAndSwapOnWarnsWithSwapoffAndFstab() throws Exception {
        assertEquals(Status.PASS, new SwapCheck().check(host, facts).status());
        facts.files.put(SwapCheck.SWAPS, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
                + "/dev/vda3                               partition\t2097148\t\t0\t\t-2\n");
        CheckResult r = new SwapCheck().check(host, facts);
        assertEquals(Status.WARN, r.status(), r.toString());
        assertTrue(r.message().contains("/dev/vda3, 2047 MiB") && r.message().contains("failSwapOn: false"), r.message());
        assertTrue(r.remedy().contains("swapoff -a") && r.remedy().contains("/etc/fstab"), r.remedy());
    }

    @Test
    void selinuxOffOrPermissivePassesEnforcingFails() throws Exception {
        assertEquals("SELinux is not enabled", new SelinuxCheck().check(host, facts).message());
        facts.files.put(SelinuxCheck.ENFORCE, "0");
        assertEquals(Status.PASS, new SelinuxCheck().check(host, facts).status());
        facts.files.put(SelinuxCheck.ENFORCE, "1");
        CheckResult r = new SelinuxCheck().check(host, facts);
        assertEquals(Status.FAIL, r.status(), r.toString());
        assertTrue(r.remedy().contains("setenforce 0") && r.remedy().contains("SELINUX=permissive")
                && r.remedy().contains("docs.k0sproject.io/stable/selinux"), r.remedy());
    }

    @Test
    void anActiveFirewalldFailsWithTheCidrsToOpen() throws Exception {
        assertEquals(Status.PASS, new FirewallCheck().check(host, facts).status());
        facts.activeUnits.add("firewalld.service");
        CheckResult r = new FirewallCheck().check(host, facts);
        assertEquals(Status.FAIL, r.status(), r.toString());
        assertTrue(r.remedy().contains("--add-source=10.244.0.0/16 --add-source=10.96.0.0/12")
                && r.remedy().contains("--ignore-preflight firewall") && r.remedy().contains("systemctl disable --now firewalld"),
                r.remedy());
    }

    @Test
    void firewalldRunningWithoutSystemdIsFoundByItsProcess() throws Exception {
        facts.process(812, "firewalld", 1);
        assertEquals(Status.FAIL, new FirewallCheck().check(host, facts).status());
    }

    @Test
    void anEnabledUfwFailsAndADisabledOnePasses() throws Exception {
        facts.files.put(FirewallCheck.UFW_CONF, "# /etc/ufw/ufw.conf\nENABLED=no\nLOGLEVEL=low\n");
        assertEquals(Status.PASS, new FirewallCheck().check(host, facts).status());
        facts.files.put(FirewallCheck.UFW_CONF, "# /etc/ufw/ufw.conf\nENABLED=yes\nLOGLEVEL=low\n");
        CheckResult r = new FirewallCheck().check(host, facts);
        assertEquals(Status.FAIL, r.status(), r.toString());
        assertTrue(r.remedy().contains("ufw default allow routed") && r.remedy().contains("ufw disable"), r.remedy());
    }

    @Test
    void aForeignKubeletIsRefusedButK0sOwnChildrenAreNot() throws Exception {
        facts.process(900, "k0s", 1).process(950, "containerd", 900).process(960, "kubelet", 900);
        CheckResult ours = new OtherRuntimesCheck().check(host, facts);
        assertEquals(Status.PASS, ours.status(), "k0s's own containerd and kubelet: " + ours);

        facts.process(1200, "kubelet", 1);
        CheckResult r = new OtherRuntimesCheck().check(host, facts);
        assertEquals(Status.FAIL, r.status(), r.toString());
        assertTrue(r.message().contains("kubelet (pid 1200) runs outside k0s"), r.message());
        assertFalse(r.message().contains("pid 960"), r.message());
        assertTrue(r.remedy().contains("systemctl disable --now kubelet"), r.remedy());
    }

    @Test
    void dockerBesideK0sOnlyWarns() throws Exception {
        facts.process(700, "dockerd", 1).process(650, "containerd", 1);
        facts.existing.add(Path.of("/run/containerd/containerd.sock"));
        CheckResult r = new OtherRuntimesCheck().check(host, facts);
        assertEquals(Status.WARN, r.status(), r.toString());
        assertTrue(r.message().contains("dockerd (pid 700)") && r.message().contains("containerd (pid 650)"), r.message());
        assertFalse(r.message().contains("containerd.sock exists"), "the socket is the containerd already named: " + r.message());
    }

    @Test
    void aContainerdSocketWithoutAVisibleProcessStillWarns() throws Exception {
        facts.existing.add(Path.of("/run/containerd/containerd.sock"));
        CheckResult r = new OtherRuntimesCheck().check(host, facts);
        assertEquals(Status.WARN, r.status(), r.toString());
        assertTrue(r.message().contains("/run/containerd/containerd.sock exists"), r.message());
    }

    @Test
    void k0sComponentPortsInUseFailOnTheHostAndOnlyWarnInASandbox() throws Exception {
        facts.takenPorts.addAll(List.of(179, 10259));
        CheckResult r = new OtherRuntimesCheck().check(host, facts);
        assertEquals(Status.FAIL, r.status(), r.toString());
        assertTrue(r.message().contains("in use: 179, 10259"), r.message());
        CheckResult sandboxed = new OtherRuntimesCheck().check(new PreflightPhaseTest.PhaseContextStub(sandbox).ctx(), facts);
        assertEquals(Status.WARN, sandboxed.status(), sandboxed.toString());
    }

    @Test
    void k0sDataThisInstallerDidNotWriteIsRefusedAndAKubeadmLeftoverWarns() throws Exception {
        PhaseContext underRoot = new PreflightPhaseTest.PhaseContextStub(sandbox).ctx();
        Path kubelet = HostPaths.of(sandbox).resolve("/var/lib/kubelet");
        facts.existing.add(kubelet.resolve("pods"));
        CheckResult leftover = new OtherRuntimesCheck().check(underRoot, facts);
        assertEquals(Status.WARN, leftover.status(), leftover.toString());
        assertTrue(leftover.message().contains(kubelet + " is left by another Kubernetes"), leftover.message());

        facts.existing.add(HostPaths.of(sandbox).resolve("/var/lib/k0s/pki"));
        CheckResult r = new OtherRuntimesCheck().check(underRoot, facts);
        assertEquals(Status.FAIL, r.status(), "a path the install writes is read under --root, and refused there too: " + r);
        assertTrue(r.message().contains(HostPaths.of(sandbox).resolve("/var/lib/k0s") + " holds k0s data"), r.message());
        assertTrue(r.remedy().contains("k0s reset"), r.remedy());
    }

    @Test
    void aValidHostnamePassesAndUpperCaseIsLowerCasedAsK0sDoes() throws Exception {
        assertEquals("node name infometis-1", new HostnameCheck().check(host, facts).message());
        facts.files.put(Path.of("/proc/sys/kernel/hostname"), "Kafka-Node1.Example.com\n");
        CheckResult r = new HostnameCheck().check(host, facts);
        assertEquals(Status.PASS, r.status(), r.toString());
        assertTrue(r.message().contains("kafka-node1.example.com"), r.message());
    }

    @Test
    void aHostnameThatIsNoNodeNameFailsWithHostnamectl() throws Exception {
        for (String bad : List.of("data_node", "node-", "a..b", "-x")) {
            facts.files.put(Path.of("/proc/sys/kernel/hostname"), bad + "\n");
            CheckResult r = new HostnameCheck().check(host, facts);
            assertEquals(Status.FAIL, r.status(), bad + ": " + r);
            assertTrue(r.remedy().contains("hostnamectl set-hostname"), r.remedy());
        }
    }

    /**
     * The ISO's host as iso/init leaves it: cgroup2 on /sys/fs/cgroup, modules insmod'ed from modules.load (no
     * modules.dep in the initramfs), forwarding still off, hostname infometis-installer, no swap, no SELinux, no
     * firewall, no other runtime; PID 1 is the init script.
     */
    @Test
    void theIsoBootPassesEveryHostCheck() throws Exception {
        FakeHostFacts iso = new FakeHostFacts();
        iso.files.put(Path.of("/proc/mounts"), """
                rootfs / rootfs rw 0 0
                proc /proc proc rw,relatime 0 0
                sysfs /sys sysfs rw,relatime 0 0
                tmpfs /tmp tmpfs rw,relatime 0 0
                tmpfs /run tmpfs rw,relatime,mode=755 0 0
                cgroup2 /sys/fs/cgroup cgroup2 rw,relatime 0 0
                """);
        iso.files.put(Path.of("/proc/sys/net/ipv4/ip_forward"), "0\n");
        iso.files.put(Path.of("/proc/sys/kernel/hostname"), "infometis-installer\n");
        iso.files.put(Path.of("/proc/1/stat"), "1 (init) S 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 2 0\n");
        iso.process(140, "tee", 1).process(180, "java", 1);
        for (PreflightCheck c : List.of(new CgroupsCheck(), new KernelCheck(), new SwapCheck(), new SelinuxCheck(),
                new FirewallCheck(), new OtherRuntimesCheck(), new HostnameCheck())) {
            CheckResult r = c.check(host, iso);
            assertEquals(Status.PASS, r.status(), c.name() + ": " + r);
        }
    }

    /** Every check reads this very machine without "could not run", whatever it finds here. */
    @Test
    void everyCheckRunsAgainstTheRealHost() throws Exception {
        Outcome o = new Installer(InstallOptions.under(sandbox), new Progress())
                .run(List.of(new PreflightPhase(PreflightPhase.standardChecks(), HostFacts.live())), null);
        List<Map<String, String>> saved = io.infometis.installer.Json.MAPPER.readValue(
                HostPaths.of(sandbox).preflightResults().toFile(), new com.fasterxml.jackson.core.type.TypeReference<>() {
                });
        for (Map<String, String> r : saved) {
            assertFalse(r.get("message").contains("could not run"), r.toString());
            if (!r.get("name").equals("ports")) { // the machine is shared: ports may be taken by anything
                assertFalse(r.get("status").equals("fail") && List.of("cgroups", "kernel", "swap", "selinux", "firewall",
                        "other-runtimes", "hostname").contains(r.get("name")), "a host fact only warns under --root: " + r);
            }
        }
        assertTrue(Files.exists(HostPaths.of(sandbox).preflightResults()));
        assertTrue(o.state() == State.SUCCEEDED || o.state() == State.FAILED, String.valueOf(o.state()));
    }
}
