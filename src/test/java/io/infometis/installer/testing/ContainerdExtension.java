package io.infometis.installer.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A private, real containerd (Debian's) for one test class: root, state and sockets under a temp dir, CRI
 * disabled (we only need the image store), started before the class and stopped after it. No systemd: the daemon is
 * this JVM's child, ready once {@code ctr version} answers (about 50 ms), stopped with SIGTERM (about 2 s). With CRI
 * enabled it would also list {@code sha256:…} and {@code name@sha256:…} aliases, which is why the images phase matches
 * names exactly (docs/architecture.md, "images"). .ci/deps.sh installs the package. Use it as a static field:
 *
 * <pre>
 * &#64;RegisterExtension
 * static final ContainerdExtension CONTAINERD = new ContainerdExtension();
 * ...
 * CONTAINERD.ctr("-n", "k8s.io", "images", "ls", "-q");
 * </pre>
 */
public final class ContainerdExtension implements BeforeAllCallback, AfterAllCallback {
    private Path dir;
    private Process daemon;

    /** The gRPC socket, for {@code ctr -a SOCKET} or anything else that talks to containerd. */
    public Path socket() {
        return dir.resolve("containerd.sock");
    }

    /** The temp dir holding root, state, sockets, config and {@code containerd.log}. */
    public Path dir() {
        return dir;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        stop();
    }

    public void start() throws IOException, InterruptedException {
        // Short path: unix socket paths are limited to 108 bytes.
        dir = Files.createTempDirectory(Path.of("/tmp"), "ctrd");
        Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(dir.resolve("state"));
        String config = """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                disabled_plugins = ["io.containerd.grpc.v1.cri"]
                [grpc]
                  address = "%1$s/containerd.sock"
                [ttrpc]
                  address = "%1$s/containerd.sock.ttrpc"
                [debug]
                  address = "%1$s/debug.sock"
                  level = "info"
                [metrics]
                  address = ""
                """.formatted(dir);
        Files.writeString(dir.resolve("config.toml"), config);
        daemon = new ProcessBuilder("containerd", "--config", dir.resolve("config.toml").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("containerd.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!daemon.isAlive()) {
                throw new IllegalStateException("containerd exited at start: " + log());
            }
            if (run(List.of("ctr", "-a", socket().toString(), "version"), 5).exitCode() == 0) {
                return;
            }
            Thread.sleep(50);
        }
        stop();
        throw new IllegalStateException("containerd not ready within 20 s: " + log());
    }

    public void stop() throws InterruptedException, IOException {
        if (daemon != null) {
            daemon.destroy();
            if (!daemon.waitFor(15, TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
                daemon.waitFor(5, TimeUnit.SECONDS);
            }
            daemon = null;
        }
        if (dir != null) {
            // Snapshots may hold read-only bits; a failed cleanup of /tmp is not a test failure.
            new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Runs {@code ctr -a SOCKET args...} (60 s limit) and returns its exit code and combined output. */
    public Result ctr(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ctr", "-a", socket().toString()));
        cmd.addAll(List.of(args));
        return run(cmd, 60);
    }

    /** Like {@link #ctr} but fails with the output when ctr exits non-zero. */
    public String ctrOk(String... args) throws IOException, InterruptedException {
        Result r = ctr(args);
        if (r.exitCode() != 0) {
            throw new AssertionError("ctr " + String.join(" ", args) + " exited " + r.exitCode() + ": " + r.output());
        }
        return r.output();
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("containerd.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static Result run(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("ctr", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, "timed out after " + timeoutSeconds + " s: " + Files.readString(out));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    public record Result(int exitCode, String output) {
    }
}
