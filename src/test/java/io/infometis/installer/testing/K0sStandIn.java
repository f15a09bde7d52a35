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
    private final Path root;

    private K0sStandIn(Path script, Path calls, Path root) {
        this.script = script;
        this.calls = calls;
        this.root = root;
    }

    /**
     * The stand-in of a whole node, as strict as k0s: {@code ctr} to this containerd once k0s is started,
     * {@code kubeconfig admin} to this mock cluster, and a {@link K0sNode} that registers node {@code infometis-1},
     * applies k0s's system components and turns Ready only when k0s's own images ({@link K0sRefs#fromSpec()}) are in
     * containerd; its {@link FakeControllers} run kube-system's and infometis's pods. The cluster closes the node.
     * Written to {@code dir/bin/k0s}, the kubeconfig to {@code dir/kc}.
     */
    public static K0sStandIn forNode(Path dir, Path root, ContainerdExtension containerd, MockCluster cluster)
            throws IOException {
        return forNode(dir, root, containerd, cluster, K0sRefs.fromSpec());
    }

    public static K0sStandIn forNode(Path dir, Path root, ContainerdExtension containerd, MockCluster cluster,
            K0sRefs k0sImages) throws IOException {
        cluster.attach(new K0sNode(cluster, root, containerd, k0sImages));
        return write(dir.resolve("bin"), root, containerd.socket(), cluster.writeKubeconfig(dir.resolve("kc")), 0);
    }

    /** As if {@code k0s start} had run long ago: the status socket and containerd are up (for tests of one phase). */
    public K0sStandIn started() throws IOException {
        Files.createDirectories(root.resolve("run/k0s"));
        Files.writeString(root.resolve("run/k0s/status.sock"), "");
        Files.writeString(root.resolve("run/k0s/containerd.sock"), "");
        return this;
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
        return new K0sStandIn(file, calls, root);
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
