package io.infometis.installer.phase.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.install.Journal;
import io.infometis.installer.phase.PhaseContext;
import io.infometis.installer.progress.Progress;

class TmpVolumesCheckTest {

    private static CheckResult check(String volumesDir, String mounts) throws Exception {
        InstallOptions options = new InstallOptions(Path.of("/"), null, null, null, true, null, Set.of(), null, volumesDir, null);
        PhaseContext ctx = new PhaseContext(options, HostPaths.of(Path.of("/")), new HostGate(true, null),
                Journal.open(Path.of("/nonexistent/journal.json"), true), new Progress(), null);
        HostFacts facts = (HostFacts) java.lang.reflect.Proxy.newProxyInstance(HostFacts.class.getClassLoader(),
                new Class<?>[] { HostFacts.class }, (proxy, method, args) -> method.getName().equals("read") ? mounts : null);
        return new TmpVolumesCheck().check(ctx, facts);
    }

    @Test
    void warnsThatATmpfsLosesTheDataAtReboot() throws Exception {
        CheckResult r = check("/tmp/infometis/volumes", "/dev/vda / ext4 rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n");
        assertEquals(CheckResult.Status.WARN, r.status());
        assertTrue(r.message().contains("lost at every reboot"), r.message());
    }

    @Test
    void warnsAboutTmpOnADiskToo() throws Exception {
        CheckResult r = check("/tmp/infometis/volumes", "/dev/vda / ext4 rw 0 0\n");
        assertEquals(CheckResult.Status.WARN, r.status());
        assertTrue(r.message().contains("(ext4)"), r.message());
    }

    @Test
    void passesForADataDisk() throws Exception {
        assertEquals(CheckResult.Status.PASS, check("/data/infometis/volumes", "/dev/vda / ext4 rw 0 0\n").status());
    }
}
