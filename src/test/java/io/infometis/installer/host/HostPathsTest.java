package io.infometis.installer.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;

/** Volume paths are derived, and escaping the base is impossible by construction, whatever the caller passes. */
class HostPathsTest {
    @Test
    void derivesTheVolumeDirectoryFromTwoLabels() {
        assertEquals("/tmp/infometis/volumes/kafka/data", HostPaths.volumeHostPath("/tmp/infometis/volumes", "kafka", "data"));
        assertEquals("/v/kafka/data", HostPaths.volumeHostPath("/v/", "kafka", "data"));
        assertEquals(Path.of("/sandbox/tmp/infometis/volumes/nifi/content"),
                new HostPaths(Path.of("/sandbox"), null, null).volumeDir("nifi", "content"));
    }

    @Test
    void refusesAnythingButLabels() {
        for (String[] bad : new String[][] { { "..", "data" }, { "kafka", ".." }, { "a/b", "c" }, { "kafka", "data\nR /" },
                { "", "data" }, { "Kafka", "data" }, { null, "data" }, { "kafka", "-data" } }) {
            InstallerException e = assertThrows(InstallerException.class,
                    () -> HostPaths.volumeHostPath("/tmp/infometis/volumes", bad[0], bad[1]), String.join(",", String.valueOf(bad[0])));
            assertEquals(ExitCodes.INVALID_INPUT, e.exitCode());
        }
    }

    @Test
    void refusesABaseThatIsNotAPlainAbsolutePath() {
        for (String base : new String[] { "relative/dir", "/tmp/../etc", "/tmp//x", "/tmp/a b", "/tmp/a\nR /", "/" }) {
            assertThrows(InstallerException.class, () -> HostPaths.volumeHostPath(base, "kafka", "data"), base);
        }
    }
}
