package io.infometis.installer.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.infometis.installer.host.Processes;

/**
 * Debian's containerd, started privately for a test class: config, root, state and socket under a temp dir, the CRI
 * plugin disabled (recipe: research/env.md §1). Register as a static {@code @RegisterExtension} field.
 */
public final class ContainerdExtension implements BeforeAllCallback, AfterAllCallback {
    private Path dir;
    private Process process;

    public Path socket() {
        return dir.resolve("containerd.sock");
    }

    public Path directory() {
        return dir;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("ctrd-");
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
                [metrics]
                  address = ""
                """.formatted(dir);
        Files.writeString(dir.resolve("config.toml"), config);
        process = new ProcessBuilder("containerd", "--config", dir.resolve("config.toml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (ctr("version").ok()) {
                return;
            }
            Thread.sleep(50);
        }
        afterAll(context);
        throw new IllegalStateException("private containerd did not answer within 20 s; see " + dir.resolve("containerd.log"));
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            process = null;
        }
        if (dir != null) {
            Processes.run(List.of("rm", "-rf", dir.toString()), Duration.ofMinutes(1));
        }
    }

    /** {@code ctr -a SOCKET ARGS...} */
    public Processes.Result ctr(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ctr", "-a", socket().toString()));
        cmd.addAll(List.of(args));
        return Processes.run(cmd, Duration.ofMinutes(2));
    }

    /** Removes every image of namespace k8s.io, so a test starts from an empty store. */
    public void removeAllImages() throws IOException {
        Processes.Result ls = ctr("-n", "k8s.io", "images", "ls", "-q");
        List<String> refs = ls.stdout().lines().filter(l -> !l.isBlank()).toList();
        if (!refs.isEmpty()) {
            List<String> args = new ArrayList<>(List.of("-n", "k8s.io", "images", "rm", "--sync"));
            args.addAll(refs);
            ctr(args.toArray(String[]::new));
        }
    }
}
