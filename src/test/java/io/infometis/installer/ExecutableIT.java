package io.infometis.installer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.infometis.installer.testing.TestBundles;

/**
 * target/infometis, the self-contained executable: how its launcher unpacks (once, by digest, atomically, racing
 * itself, refusing planted symlinks and unsafe directories, refusing a damaged copy) and that what runs is the
 * program itself (same pid, exit codes, streams, SIGINT/SIGTERM giving 130 with the journal written).
 */
class ExecutableIT {
    static final Path EXE = Path.of(System.getProperty("infometis.exe", "target/infometis")).toAbsolutePath();

    @TempDir
    Path work;
    final List<Process> started = new ArrayList<>();

    record Run(int exitCode, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    @AfterEach
    void stopChildren() throws InterruptedException {
        for (Process p : started) {
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private Process start(String name, Path exe, Path runtimeDir, String... args) throws IOException {
        return start(name, exe, runtimeDir, Map.of(), args);
    }

    private Process start(String name, Path exe, Path runtimeDir, Map<String, String> env, String... args)
            throws IOException {
        assertTrue(Files.isExecutable(EXE), EXE + " is missing: ./mvnw package builds it");
        List<String> cmd = new ArrayList<>(List.of(exe.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(work.resolve(name + ".out").toFile())
                .redirectError(work.resolve(name + ".err").toFile());
        pb.environment().put("INFOMETIS_RUNTIME_DIR", runtimeDir.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private Run finish(String name, Process p) throws Exception {
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), name + " finished");
        return new Run(p.exitValue(), Files.readString(work.resolve(name + ".out")), Files.readString(work.resolve(name + ".err")));
    }

    private Run run(String name, Path runtimeDir, String... args) throws Exception {
        return finish(name, start(name, EXE, runtimeDir, args));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static boolean root() throws IOException {
        return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }

    @Test
    void threeStartingAtOnceUnpackOneDirectoryNamedByTheDigestAndLaterRunsReuseIt() throws Exception {
        Path rt = work.resolve("rt");
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ps.add(start("v" + i, EXE, rt, "version"));
        }
        for (int i = 0; i < 3; i++) {
            Run r = finish("v" + i, ps.get(i));
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(r.out().startsWith("infometis "), r.out());
        }
        List<String> dirs = names(rt);
        assertEquals(1, dirs.size(), "one unpacked copy, no leftovers: " + dirs);
        assertTrue(dirs.get(0).matches("[0-9a-f]{64}"), dirs.get(0));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(rt)));
        // Reused: a later run leaves the same directory, with the same files (a marker survives).
        Path marker = Files.writeString(rt.resolve(dirs.get(0)).resolve("marker"), "x");
        assertEquals(0, run("again", rt, "version").exitCode());
        assertTrue(Files.exists(marker));
        assertEquals(dirs, names(rt));
    }

    @Test
    void theProgramKeepsThePidExitCodesAndStreams() throws Exception {
        Path rt = work.resolve("rt");
        Path root = Files.createDirectories(work.resolve("root"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // execv: the JVM is the process we started, so the lock names its pid.
        Process first = start("first", EXE, rt, "install", "--dry-run", "--root", root.toString(), "--api-port",
                Integer.toString(port), "--linger", "60s");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!Files.readString(work.resolve("first.out")).contains("Dry run finished") && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        Run second = run("second", rt, "install", "--dry-run", "--root", root.toString(), "--api-port", "0", "--linger", "0s");
        assertEquals(io.infometis.installer.ExitCodes.LOCKED, second.exitCode(), second.out() + second.err());
        assertEquals(1, second.errLines().size(), second.err());
        assertTrue(second.errLines().get(0).startsWith("ERROR: another installer is running (pid " + first.pid() + ","),
                second.err());
        Run bad = run("bad", rt, "no-such-command");
        assertEquals(2, bad.exitCode());
        assertEquals("", bad.out());
        assertTrue(bad.errLines().get(0).startsWith("ERROR: "), bad.err());
    }

    /** A real install under --root with the tiny bundle waits in the k0s phase (its k0s is a stand-in): interrupt it there. */
    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void aSignalDuringAnInstallGives130AndTheJournalSaysWhere(String signal) throws Exception {
        assumeTrue(root(), "a real install needs root (CI runs as root)");
        Path bundle = TestBundles.tiny(work.resolve("bundle"));
        Path root = Files.createDirectories(work.resolve("root"));
        // A backgrounded launch starts with SIGINT ignored, and a JVM keeps it ignored: give the child the default.
        List<String> cmd = List.of("env", "--default-signal=INT,TERM", EXE.toString(), "install", "--bundle", bundle.toString(),
                "--root", root.toString(), "--api-port", "0", "--linger", "0s");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(work.resolve("install.out").toFile())
                .redirectError(work.resolve("install.err").toFile());
        pb.environment().put("INFOMETIS_RUNTIME_DIR", work.resolve("rt").toString());
        Process p = pb.start();
        started.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(work.resolve("install.out")).contains("start succeeded") && System.nanoTime() < deadline) {
            assertTrue(p.isAlive(), Files.readString(work.resolve("install.out")) + Files.readString(work.resolve("install.err")));
            Thread.sleep(100);
        }
        assertTrue(Files.readString(work.resolve("install.out")).contains("start succeeded"), "reached the k0s wait");
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exits after SIG" + signal);
        String out = Files.readString(work.resolve("install.out"));
        assertEquals(130, p.exitValue(), out + Files.readString(work.resolve("install.err")));
        JsonNode journal = Json.MAPPER.readTree(root.resolve("var/lib/infometis/journal.json").toFile());
        assertTrue(journal.toString().contains("\"k0s\""), journal.toString());
        assertTrue(journal.toString().toLowerCase().contains("interrupted"), journal.toString());
    }

    @Test
    void aSymlinkPlantedOnThePathByAnotherUserIsRefused() throws Exception {
        assumeTrue(root(), "planting a symlink owned by another user needs root (lchown)");
        Path victim = Files.createDirectories(work.resolve("elsewhere"));
        Path parent = Files.createDirectories(work.resolve("shared"));
        Path link = Files.createSymbolicLink(parent.resolve("link"), victim);
        assertEquals(0, new ProcessBuilder("chown", "-h", "65534:65534", link.toString()).start().waitFor());
        Run r = run("planted", link.resolve("rt"), "version");
        assertEquals(1, r.exitCode(), r.out() + r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.errLines().get(0).startsWith("ERROR: ") && r.err().contains("symlink owned by uid 65534"), r.err());
        assertEquals(List.of(), names(victim), "nothing written through the link");
    }

    @Test
    void aRuntimeDirectoryOthersCanWriteIsRefused() throws Exception {
        Path rt = Files.createDirectories(work.resolve("rt"));
        Files.setPosixFilePermissions(rt, PosixFilePermissions.fromString("rwxrwxrwx"));
        Run r = run("open", rt, "version");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().startsWith("ERROR: ") && r.err().contains("writable by other users"), r.err());
        assertEquals(List.of(), names(rt));
    }

    @Test
    void aDamagedOrTruncatedCopyIsRefusedAndNothingIsMovedIntoPlace() throws Exception {
        long size = Files.size(EXE);
        Path damaged = Files.copy(EXE, work.resolve("damaged"));
        try (RandomAccessFile f = new RandomAccessFile(damaged.toFile(), "rw")) {
            // A byte in the middle of the payload, past the launcher: a bad medium or transfer.
            long at = size / 2;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x40);
        }
        Path rt = work.resolve("rt");
        Run r = finish("damaged", start("damaged", damaged, rt, "version"));
        assertEquals(1, r.exitCode());
        assertTrue(r.err().startsWith("ERROR: ") && r.err().contains("damaged"), r.err());
        assertTrue(names(rt).stream().noneMatch(n -> n.matches("[0-9a-f]{64}")), "no digest directory: " + names(rt));

        Path truncated = Files.copy(EXE, work.resolve("truncated"));
        try (RandomAccessFile f = new RandomAccessFile(truncated.toFile(), "rw")) {
            f.setLength(size - 4096);
        }
        Run t = finish("truncated", start("truncated", truncated, rt, "version"));
        assertEquals(1, t.exitCode());
        assertTrue(t.err().contains("truncated copy"), t.err());
        assertFalse(t.out().contains("infometis"));
    }

    @Test
    void versionNamesTheRuntimeAndItsCacheInUse() throws Exception {
        Run r = run("version", work.resolve("rt"), "version");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(1).matches("runtime: .*\\(jlink'd: \\d+ modules\\), (AOT cache|AppCDS archive) in use"), r.out());
    }

    /**
     * A run that ends within a second stops at C1, which compiles fastest; install, upgrade and rollback, which hash
     * every byte of a bundle, get C2 and its SHA-256 intrinsic (the launcher's [short] lines).
     */
    @Test
    void onlyTheRunsThatChangeTheHostGetTheFullJit() throws Exception {
        Path rt = work.resolve("rt");
        String root = work.resolve("root").toString();
        String absent = work.resolve("absent.tar").toString();
        assertEquals("1", tieredStopAtLevel("v", rt, "version"));
        assertEquals("1", tieredStopAtLevel("dry", rt, "install", "--dry-run", "--root", root, "--api-port", "0", "--linger", "0s"));
        assertEquals("4", tieredStopAtLevel("install", rt, "install", "--bundle", absent, "--root", root, "--api-port", "0"));
        assertEquals("4", tieredStopAtLevel("upgrade", rt, "upgrade", "--bundle", absent, "--root", root, "--api-port", "0"));
        assertEquals("1", tieredStopAtLevel("upgrade-dry", rt, "upgrade", "--dry-run", "--bundle", absent, "--root", root));
    }

    private String tieredStopAtLevel(String name, Path runtimeDir, String... args) throws Exception {
        Run r = finish(name, start(name, EXE, runtimeDir, Map.of("INFOMETIS_JAVA_OPTS", "-XX:+PrintFlagsFinal"), args));
        return r.out().lines().filter(l -> l.matches("\\s*intx TieredStopAtLevel\\s.*")).findFirst()
                .map(l -> l.replaceAll(".*=\\s*(\\d+).*", "$1")).orElseThrow(() -> new AssertionError(name + ": " + r.out()));
    }
}
