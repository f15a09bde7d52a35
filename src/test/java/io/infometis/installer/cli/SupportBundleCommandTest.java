package io.infometis.installer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.host.HostPaths;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;

/** {@code infometis support-bundle} through the real entry point, on a host whose cluster and installer are gone. */
@QuarkusMainTest
class SupportBundleCommandTest {
    @TempDir
    Path tmp;

    @Test
    void writesTheBundleWithWhatItCouldCollectAndNamesTheRest(QuarkusMainLauncher launcher) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        HostPaths paths = HostPaths.of(root);
        Files.createDirectories(paths.stateDir());
        Files.writeString(paths.journalFile(), "{\"state\":\"FAILED\"}");
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Path out = tmp.resolve("support.tar.gz");
        LaunchResult r = launcher.launch("support-bundle", "--root", root.toString(), "--out", out.toString(), "--url",
                "http://127.0.0.1:" + closed);

        assertEquals(ExitCodes.DONE, r.exitCode(), r.getOutput() + r.getErrorOutput());
        assertTrue(r.getOutput().contains("Support bundle written: " + out), r.getOutput());
        assertTrue(r.getOutput().contains("not collected: installer/events.json, installer/log.txt: the progress API: "
                + "nothing answers at"), r.getOutput());
        assertTrue(r.getOutput().contains("not collected: cluster/*"), r.getOutput());
        List<String> names = new ArrayList<>();
        try (InputStream in = Files.newInputStream(out);
                TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(in))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                names.add(e.getName().replaceFirst("^[^/]+/", ""));
            }
        }
        assertTrue(names.containsAll(List.of("installer/journal.json", "host/facts.txt", "MANIFEST.txt")), names.toString());
        try (var leftovers = Files.list(tmp)) {
            assertFalse(leftovers.anyMatch(p -> p.getFileName().toString().endsWith(".partial")), "no partial file left");
        }
    }

    @Test
    void refusesAnOutFileInAMissingDirectoryWithOneLine(QuarkusMainLauncher launcher) {
        LaunchResult r = launcher.launch("support-bundle", "--root", tmp.toString(), "--out",
                tmp.resolve("no/such/dir/s.tar.gz").toString());

        assertEquals(ExitCodes.INVALID_INPUT, r.exitCode());
        assertEquals(1, r.getErrorOutput().strip().lines().count(), r.getErrorOutput());
        assertTrue(r.getErrorOutput().startsWith("ERROR: --out "), r.getErrorOutput());
    }
}
