package io.infometis.installer.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.infometis.installer.host.HostGate;

/**
 * Writes the k0s stand-in ({@code src/test/resources/testing/k0s-standin.sh}) for one test: its state goes under the
 * install root, {@code ctr} forwards to the private containerd, {@code kubeconfig admin} points at the mock API server.
 */
public final class K0sStandIn {
    public static final String VERSION = "v1.33.4+k0s.0";

    private final Path script;
    private final Path calls;

    private K0sStandIn(Path script, Path calls) {
        this.script = script;
        this.calls = calls;
    }

    public static K0sStandIn write(Path dir, Path root, Path ctrSocket, Path kubeconfig, double startDelaySeconds)
            throws IOException {
        return write(dir, root, ctrSocket, kubeconfig, startDelaySeconds, VERSION);
    }

    public static K0sStandIn write(Path dir, Path root, Path ctrSocket, Path kubeconfig, double startDelaySeconds,
            String version) throws IOException {
        String template;
        try (InputStream in = K0sStandIn.class.getResourceAsStream("/testing/k0s-standin.sh")) {
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Files.createDirectories(dir);
        Path calls = dir.resolve("k0s-calls.txt");
        Files.writeString(calls, "");
        String script = template.replace("@ROOT@", root.toAbsolutePath().toString())
                .replace("@CTR_SOCKET@", ctrSocket == null ? "/nonexistent" : ctrSocket.toString())
                .replace("@KUBECONFIG@", kubeconfig == null ? "/nonexistent" : kubeconfig.toString())
                .replace("@CALLS@", calls.toString())
                .replace("@VERSION@", version)
                .replace("@START_DELAY@", startDelaySeconds == 0 ? "0" : Double.toString(startDelaySeconds));
        Path file = dir.resolve("k0s");
        Files.writeString(file, script);
        Files.setPosixFilePermissions(file, HostGate.perms("0755"));
        return new K0sStandIn(file, calls);
    }

    public Path binary() {
        return script;
    }

    /** Every call so far, one line of arguments each. */
    public List<String> calls() throws IOException {
        return Files.readAllLines(calls);
    }

    public void clearCalls() throws IOException {
        Files.writeString(calls, "");
    }

    public long count(String prefix) throws IOException {
        return calls().stream().filter(c -> c.startsWith(prefix)).count();
    }
}
