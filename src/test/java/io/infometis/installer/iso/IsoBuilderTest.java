package io.infometis.installer.iso;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;

class IsoBuilderTest {
    @TempDir
    Path tmp;

    @Test
    void shipsEveryRecipeFileAsAResource() throws IOException {
        for (String name : IsoBuilder.RECIPE) {
            try (InputStream in = IsoBuilder.class.getResourceAsStream("/iso/" + name)) {
                assertNotNull(in, "iso/" + name + " is on the classpath");
                assertEquals(Files.size(Path.of("iso", name)), in.readAllBytes().length, "the resource is the repo's iso/" + name);
            }
        }
    }

    @Test
    void refusesAnAppDirectory() throws IOException {
        // One runtime recipe: the ISO carries the executable, never a Quarkus app directory with a runtime of its own.
        Files.createFile(tmp.resolve("quarkus-run.jar"));
        InstallerException e = assertThrows(InstallerException.class, () -> IsoBuilder.installerArgs(tmp));
        assertEquals(ExitCodes.INVALID_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("is a directory") && e.getMessage().contains("self-contained executable"), e.getMessage());
    }

    @Test
    void passesAnExecutableFileToTheRecipe() throws IOException {
        Path exe = Files.createFile(tmp.resolve("infometis"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        assertEquals(List.of("--installer", exe.toAbsolutePath().toString()), IsoBuilder.installerArgs(exe));
    }

    @Test
    void refusesAFileThatIsNotExecutable() throws IOException {
        Path notes = Files.createFile(tmp.resolve("notes.txt"));
        InstallerException e = assertThrows(InstallerException.class, () -> IsoBuilder.installerArgs(notes));
        assertEquals(ExitCodes.INVALID_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("not an executable file"), e.getMessage());
    }

    @Test
    void refusesAMissingBundleBeforeRunningAnything() {
        var request = new IsoBuilder.Request(tmp.resolve("nope.tar"), tmp.resolve("x.iso"), tmp, tmp.resolve("work"), null, null);
        InstallerException e = assertThrows(InstallerException.class, () -> new IsoBuilder().build(request, line -> { }));
        assertEquals(ExitCodes.INVALID_INPUT, e.exitCode());
        assertTrue(Files.notExists(tmp.resolve("work")), "nothing was written");
    }
}
