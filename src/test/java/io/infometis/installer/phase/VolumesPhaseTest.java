package io.infometis.installer.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.bundle.BundleManifest.Volume;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.DirectoryBundle;
import io.infometis.installer.testing.Runs;

class VolumesPhaseTest {
    static final List<Volume> VOLUMES = List.of(
            new Volume("kafka", "data", "10Gi", 1000, 1000, "0750", "kafka-data"),
            new Volume("grafana", "data", "1Gi", 472, 0, "0770", "grafana-data"),
            new Volume("nifi", "content", "4Gi", 1000, 1000, "0750", "nifi-content"));

    @TempDir
    Path tmp;
    Path root;
    DirectoryBundle bundle;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectories(tmp.resolve("root"));
        Path k0s = Files.writeString(tmp.resolve("k0s"), "#!/bin/sh\n");
        bundle = DirectoryBundle.create(tmp.resolve("bundle"), k0s, "v0", List.of(), VOLUMES);
    }

    private Runs.Run run() {
        return Runs.run(Runs.options(root, null, null), bundle, new VolumesPhase());
    }

    @Test
    void createsEachVolumeWithItsOwnerAndMode() throws Exception {
        Runs.Run r = run();

        assertEquals(State.SUCCEEDED, r.outcome().state(), () -> String.valueOf(r.outcome().failure()));
        for (Volume v : VOLUMES) {
            Path dir = root.resolve("tmp/infometis/volumes/" + v.component() + "/" + v.name());
            assertEquals(v.uid(), Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS), dir.toString());
            assertEquals(v.gid(), Files.getAttribute(dir, "unix:gid", LinkOption.NOFOLLOW_LINKS), dir.toString());
            assertEquals(HostGate.perms(v.mode()), Files.getPosixFilePermissions(dir), dir.toString());
        }
        assertEquals(HostGate.perms("0755"), Files.getPosixFilePermissions(root.resolve("tmp/infometis/volumes/kafka")));
        String rule = Files.readString(root.resolve("etc/tmpfiles.d/infometis.conf"));
        assertTrue(rule.contains("\nx /tmp/infometis/volumes\n") && rule.contains("\nx /tmp/infometis/volumes/nifi/content\n"), rule);
    }

    @Test
    void keepsDataAndRepairsModeOnRerun() throws Exception {
        run();
        Path kafka = root.resolve("tmp/infometis/volumes/kafka/data");
        Files.writeString(kafka.resolve("segment.log"), "data");
        Files.setPosixFilePermissions(kafka, HostGate.perms("0777"));

        Runs.Run again = run();

        assertEquals(State.SUCCEEDED, again.outcome().state());
        assertEquals("data", Files.readString(kafka.resolve("segment.log")));
        assertEquals(HostGate.perms("0750"), Files.getPosixFilePermissions(kafka));
        assertEquals(State.SKIPPED, Runs.journalUnits(root, "volumes").get("grafana/data").state());
        assertEquals(State.SUCCEEDED, Runs.journalUnits(root, "volumes").get("kafka/data").state());
    }

    @Test
    void refusesAPrePlantedSymlinkInTheVolumePath() throws Exception {
        Path victim = Files.createDirectories(root.resolve("etc/victim"));
        Files.createDirectories(root.resolve("tmp"));
        Files.createSymbolicLink(root.resolve("tmp/infometis"), victim);

        Runs.Run r = run();

        assertEquals(State.FAILED, r.outcome().state());
        assertTrue(r.outcome().failure().message().contains("is a symlink the installer did not create"),
                r.outcome().failure().message());
        try (var s = Files.list(victim)) {
            assertEquals(0, s.count(), "nothing created through the link");
        }
        assertEquals(0, Files.getAttribute(victim, "unix:uid"));
    }

    @Test
    void refusesASymlinkAsTheVolumeItself() throws Exception {
        Files.createDirectories(root.resolve("tmp/infometis/volumes/kafka"));
        Files.createSymbolicLink(root.resolve("tmp/infometis/volumes/kafka/data"), root.resolve("etc"));

        Runs.Run r = run();

        assertEquals(State.FAILED, r.outcome().state());
        assertTrue(r.outcome().failure().message().contains("kafka/data is a symlink"), r.outcome().failure().message());
    }

    @Test
    void aDryRunPlansAndCreatesNothing() throws Exception {
        Runs.Run r = Runs.run(Runs.options(root, null, null).withDryRun(true), bundle, new VolumesPhase());

        assertEquals(State.SUCCEEDED, r.outcome().state());
        try (var s = Files.list(root)) {
            assertEquals(0, s.count());
        }
    }
}
