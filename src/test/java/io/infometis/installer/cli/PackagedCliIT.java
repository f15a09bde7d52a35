package io.infometis.installer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI slips that need a process of their own: the packaged jar run from a directory that is not the repository,
 * and a real SIGINT while the finished install lingers. Runs in Maven's integration-test phase, after package.
 */
class PackagedCliIT {
    static final Path JAR = Path.of(System.getProperty("infometis.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath();

    @TempDir
    Path work;
    final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopChildren() throws InterruptedException {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(15, TimeUnit.SECONDS);
        }
    }

    /**
     * {@code env --default-signal=INT,TERM} (coreutils 8.31+): a build started in the background (a non-interactive
     * shell's {@code cmd &}) hands its children SIGINT ignored, and a JVM that starts with SIGINT ignored never
     * installs its handler, so the signal would do nothing. The child gets the default disposition whatever the launch.
     */
    private Process start(Path cwd, String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=INT,TERM",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectOutput(work.resolve(name + ".out").toFile())
                .redirectError(work.resolve(name + ".err").toFile()).start();
        started.add(p);
        return p;
    }

    private String out(String name) throws IOException {
        return Files.readString(work.resolve(name + ".out"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aDryRunOutsideTheRepositoryPlansFromTheSpecBuiltIntoTheInstaller() throws Exception {
        Path elsewhere = Files.createDirectories(work.resolve("elsewhere"));
        Path root = Files.createDirectories(work.resolve("root"));
        assertFalse(Files.exists(elsewhere.resolve("bundle/bundle.yaml")));
        Process p = start(elsewhere, "dry", "install", "--dry-run", "--root", root.toString(), "--api-port", "0", "--linger", "0");
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "finished");
        String out = out("dry");
        assertEquals(0, p.exitValue(), out + Files.readString(work.resolve("dry.err")));
        assertTrue(out.contains("no bundle file: planning from the bundle spec /default-bundle/bundle.yaml (built into the installer)"), out);
        // The stack's plan comes from the built-in manifests: the last component of the repository's stack is there.
        assertTrue(out.contains("plan: apply nifi (ConfigMap/nifi-variables"), out);
        assertTrue(out.contains("Dry run finished: nothing was changed."), out);
        try (Stream<Path> s = Files.list(root)) {
            assertEquals(List.of(), s.toList(), "the root is untouched");
        }
    }

    @Test
    void ctrlCWhileLingeringAfterASuccessfulInstallExitsZero() throws Exception {
        Path root = Files.createDirectories(work.resolve("root"));
        Path repo = Path.of("").toAbsolutePath();
        Process p = start(repo, "linger", "install", "--dry-run", "--root", root.toString(), "--api-bind", "127.0.0.1",
                "--api-port", Integer.toString(freePort()), "--linger", "10m");
        while (!out("linger").contains("keeps serving the final state")) {
            assertTrue(p.isAlive(), "still running: " + out("linger") + Files.readString(work.resolve("linger.err")));
            Thread.sleep(100);
        }
        assertTrue(out("linger").contains("Dry run finished: nothing was changed."), out("linger"));
        assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "SIGINT ends the linger");
        assertEquals(0, p.exitValue(), "the install succeeded; Ctrl-C only stopped the serving: " + out("linger")
                + Files.readString(work.resolve("linger.err")));
        assertTrue(out("linger").contains("progress API stopped"), out("linger"));
    }
}
