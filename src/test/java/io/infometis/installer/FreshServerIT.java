package io.infometis.installer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.testing.TestBundles;

/**
 * target/infometis on a server with no Java: each command runs in a private mount namespace where a tmpfs hides
 * /usr/lib/jvm (every JDK on a Debian host, and what /usr/bin/java points at), with an empty environment apart
 * from PATH and HOME, and unpacks into a directory nothing has used yet. Needs root for the namespace: CI runs as
 * root; elsewhere the class is skipped, saying so.
 */
class FreshServerIT {
    static final Path EXE = Path.of(System.getProperty("infometis.exe", "target/infometis")).toAbsolutePath();
    /** The repository: the README's first command runs from there and finds bundle/bundle.yaml. */
    static final Path REPO = Path.of("").toAbsolutePath();

    @TempDir
    Path work;

    record Run(int exitCode, String out, String err) {
    }

    @BeforeEach
    void needsRootAndTheExecutable() throws Exception {
        assertTrue(Files.isExecutable(EXE), EXE + " is missing: ./mvnw package builds it");
        assumeTrue(((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0,
                "hiding /usr/lib/jvm takes a mount namespace, which needs root (CI runs as root)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "unshare (util-linux) is missing");
    }

    /** Runs a command on the "fresh server": no JDK anywhere, PATH and HOME only. */
    private Run fresh(String name, String... command) throws Exception {
        Files.createDirectories(work.resolve("home"));
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs -o mode=0755 none /usr/lib/jvm && exec \"$@\"", "sh",
                "env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + work.resolve("home"),
                "INFOMETIS_RUNTIME_DIR=" + work.resolve("runtime")));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).directory(REPO.toFile()).redirectOutput(work.resolve(name + ".out").toFile())
                .redirectError(work.resolve(name + ".err").toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(name + " did not finish");
        }
        return new Run(p.exitValue(), Files.readString(work.resolve(name + ".out")), Files.readString(work.resolve(name + ".err")));
    }

    @Test
    void versionHelpBundleVerifyAndADryRunWorkWithNoJava() throws Exception {
        // The namespace really has no Java: no JDK directory and no java on PATH.
        Run java = fresh("java", "sh", "-c", "ls -A /usr/lib/jvm; java -version");
        assertNotEquals(0, java.exitCode(), "java ran: " + java.out() + java.err());
        assertEquals("", java.out(), "/usr/lib/jvm is empty");

        Run version = fresh("version", EXE.toString(), "version");
        assertEquals(0, version.exitCode(), version.err());
        List<String> lines = version.out().lines().toList();
        assertTrue(lines.get(0).matches("infometis \\S+"), version.out());
        assertTrue(lines.get(1).matches("runtime: .*\\(jlink'd: \\d+ modules\\), (AOT cache|AppCDS archive) in use"), version.out());
        assertEquals("", version.err());

        Run help = fresh("help", EXE.toString(), "--help");
        assertEquals(0, help.exitCode(), help.err());
        assertTrue(help.out().startsWith("Usage: infometis"), help.out());
        assertTrue(help.out().contains("install"), help.out());

        Path bundle = TestBundles.tiny(work.resolve("bundle"));
        Run verify = fresh("verify", EXE.toString(), "bundle", "verify", bundle.toString());
        assertEquals(0, verify.exitCode(), verify.out() + verify.err());
        Path notABundle = Files.writeString(work.resolve("notes.txt"), "not a bundle\n");
        Run bad = fresh("verify-bad", EXE.toString(), "bundle", "verify", notABundle.toString());
        assertEquals(2, bad.exitCode(), bad.out() + bad.err());
        assertTrue(bad.err().startsWith("ERROR: "), bad.err());

        // The README's first command, from the repository (the default spec, bundle/bundle.yaml).
        Path root = Files.createDirectories(work.resolve("root"));
        Run dry = fresh("dry-run", EXE.toString(), "install", "--dry-run", "--root", root.toString(), "--api-port", "0",
                "--linger", "0s");
        assertEquals(0, dry.exitCode(), dry.out() + dry.err());
        assertTrue(dry.out().contains("Dry run finished: nothing was changed."), dry.out());
    }
}
