package io.infometis.installer.uninstall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.host.HostPaths;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.Mounts;
import io.infometis.installer.host.Processes;
import io.infometis.installer.install.Journal;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.K0sStandIn;

class UninstallerTest {
    @TempDir
    Path tmp;
    Path root;
    K0sStandIn standIn;
    HostPaths paths;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectories(tmp.resolve("root"));
        paths = HostPaths.of(root);
        standIn = K0sStandIn.write(tmp.resolve("bin"), root, null, tmp.resolve("kc"), 0);
        Files.writeString(tmp.resolve("kc"), "apiVersion: v1\nkind: Config\n");
        Files.createDirectories(paths.k0sBinary().getParent());
        Files.copy(standIn.binary(), paths.k0sBinary());
        Files.createDirectories(paths.k0sConfig().getParent());
        Files.writeString(paths.k0sConfig(), "spec: {}\n");
        Files.createDirectories(paths.stateDir());
        Files.writeString(paths.journalFile(), "{}");
        Files.createDirectories(root.resolve("tmp/infometis/volumes/kafka/data"));
        Files.writeString(root.resolve("tmp/infometis/volumes/kafka/data/log"), "x");
    }

    private Uninstaller uninstaller(boolean purge, boolean dryRun, Mounts mounts, List<String> out) {
        return new Uninstaller(new UninstallOptions(root, null, HostPaths.VOLUMES_DIR, purge, dryRun, 2, Duration.ofMillis(50)),
                new K0sCli(paths.k0sBinary(), Duration.ofSeconds(30)), mounts, out::add);
    }

    @Test
    void aDryRunPrintsThePlanAndChangesNothing() throws Exception {
        List<String> out = new ArrayList<>();

        uninstaller(true, true, Mounts.live(), out).run();

        assertTrue(out.stream().anyMatch(l -> l.startsWith("plan: k0s reset")), out.toString());
        assertTrue(out.stream().anyMatch(l -> l.startsWith("plan: delete " + root.resolve("tmp/infometis/volumes"))), out.toString());
        assertTrue(Files.exists(paths.k0sBinary()) && Files.exists(root.resolve("tmp/infometis/volumes/kafka/data/log")));
        assertTrue(standIn.calls().stream().noneMatch(c -> c.startsWith("reset") || c.equals("stop")));
    }

    @Test
    void resumesAfterAnInterruptedRunWithoutRepeatingFinishedSteps() throws Exception {
        Journal journal = Journal.open(paths.stateDir().resolve("uninstall.json"), false);
        journal.unit(Uninstaller.PHASE, "stop-k0s", State.SUCCEEDED, "stopped");
        journal.unit(Uninstaller.PHASE, "reset-k0s", State.SUCCEEDED, "reset");
        List<String> out = new ArrayList<>();

        uninstaller(false, false, Mounts.live(), out).run();

        assertTrue(standIn.calls().stream().noneMatch(c -> c.startsWith("reset")), standIn.calls().toString());
        assertTrue(out.contains("reset-k0s: done in an earlier run"), out.toString());
        assertFalse(Files.exists(paths.k0sBinary()));
        assertFalse(Files.exists(paths.stateDir()));
        assertTrue(Files.exists(root.resolve("tmp/infometis/volumes/kafka/data/log")));
    }

    @Test
    void aBusyMountIsRetriedThenUnmountedLazilyBeforeThePurge() throws Exception {
        Path data = root.resolve("tmp/infometis/volumes/kafka/data");
        assertTrue(Processes.run(List.of("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", data.toString()), Duration.ofSeconds(10)).ok());
        Process busy = new ProcessBuilder("sleep", "60").directory(data.toFile()).start();
        try {
            List<String> out = new ArrayList<>();

            uninstaller(true, false, Mounts.live(), out).run();

            assertFalse(Files.exists(root.resolve("tmp/infometis/volumes")), out.toString());
            assertTrue(Mounts.live().under(data).isEmpty(), "no mount left");
            assertTrue(out.stream().noneMatch(l -> l.startsWith("unmounted")), "it was busy: " + out);
        } finally {
            busy.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            Processes.run(List.of("umount", "-l", data.toString()), Duration.ofSeconds(10));
        }
    }

    @Test
    void purgeNeverFollowsASymlinkOutOfTheVolumes() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "keep");
        Files.createSymbolicLink(root.resolve("tmp/infometis/volumes/kafka/data/link"), outside);

        uninstaller(true, false, Mounts.live(), new ArrayList<>()).run();

        assertEquals("keep", Files.readString(outside.resolve("keep")));
        assertFalse(Files.exists(root.resolve("tmp/infometis/volumes")));
    }
}
