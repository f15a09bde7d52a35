package io.infometis.installer.host;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.infometis.installer.Json;

/**
 * Runs one k0s binary. Read-only calls ({@code status}, {@code version}, {@code ctr images ls}) run directly; callers
 * put every mutating call through the {@link HostGate}.
 */
public class K0sCli {
    private final Path binary;
    private final Duration timeout;

    public K0sCli(Path binary, Duration timeout) {
        this.binary = binary;
        this.timeout = timeout;
    }

    public Path binary() {
        return binary;
    }

    /**
     * {@code k0s install controller --enable-worker --no-taints --disable-components=konnectivity-server --force -c CONFIG}:
     * writes the service, starts nothing. Konnectivity tunnels API-server-to-kubelet traffic from controllers to
     * workers on other hosts; on one node the API server reaches its own kubelet directly, and without the server k0s
     * deploys no konnectivity-agent either: one pod fewer that could keep the node from settling (docs/k0s.md).
     */
    public void installController(Path config) throws IOException {
        check(run(List.of("install", "controller", "--enable-worker", "--no-taints", "--disable-components=konnectivity-server",
                "--force", "-c", config.toString())), "installing the k0s controller service");
    }

    public void start() throws IOException {
        check(run(List.of("start")), "starting k0s");
    }

    public void stop() throws IOException {
        check(run(List.of("stop")), "stopping k0s");
    }

    /** @param config the config k0s was installed with, or null when it is gone (k0s then uses its defaults) */
    public void reset(Path config) throws IOException {
        check(run(config == null ? List.of("reset") : List.of("reset", "-c", config.toString())), "resetting k0s");
    }

    /** The running k0s's status, or null when it does not answer (not installed, not started, socket refused). */
    public K0sStatus status() {
        try {
            Processes.Result r = run(List.of("status", "-o", "json"));
            return r.ok() ? Json.LENIENT.readValue(r.stdout(), K0sStatus.class) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The binary's own version, e.g. {@code v1.33.4+k0s.0}. */
    public String version() throws IOException {
        Processes.Result r = check(run(List.of("version")), "reading the k0s version");
        return r.stdout().trim();
    }

    /** {@code k0s ctr ARGS}: containerd's ctr with k0s's socket. */
    public Processes.Result ctr(List<String> args, Processes.StdinWriter stdin, Consumer<String> stdoutLines,
            Duration timeout) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.add("ctr");
        cmd.addAll(args);
        return Processes.run(cmd, Map.of(), timeout, stdin, null, stdoutLines);
    }

    private Processes.Result run(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(args);
        return Processes.run(cmd, timeout);
    }

    static Processes.Result check(Processes.Result r, String what) throws IOException {
        if (!r.ok()) {
            String err = r.stderr().isBlank() ? r.stdout() : r.stderr();
            throw new IOException(what + ": k0s exited " + r.exitCode() + ": " + lastLine(err));
        }
        return r;
    }

    static String lastLine(String s) {
        List<String> lines = s.strip().lines().toList();
        return lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1);
    }
}
