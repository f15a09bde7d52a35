package io.infometis.installer.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Runs a child process with a timeout and captures its output; read-only uses call it directly. */
public final class Processes {
    private Processes() {
    }

    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    public static Result run(List<String> command, Duration timeout) throws IOException {
        return run(command, Map.of(), timeout, null, null);
    }

    /**
     * @param stdin when not null, fed to the child's stdin by a writer thread (e.g. an OCI layout tar to {@code ctr import -})
     * @param lines when not null, receives each stderr line as it arrives (for the log tail)
     */
    public static Result run(List<String> command, Map<String, String> env, Duration timeout, StdinWriter stdin,
            Consumer<String> lines) throws IOException {
        return run(command, env, timeout, stdin, lines, null);
    }

    /** As above; {@code outLines}, when not null, receives each stdout line as it arrives (ctr's per-image lines). */
    public static Result run(List<String> command, Map<String, String> env, Duration timeout, StdinWriter stdin,
            Consumer<String> lines, Consumer<String> outLines) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException("starting " + command.get(0) + ": " + e.getMessage(), e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread outPump = pump(p.getInputStream(), out, outLines);
        Thread errPump = pump(p.getErrorStream(), err, lines);
        Thread inPump = null;
        IOException[] inFailure = new IOException[1];
        if (stdin != null) {
            inPump = new Thread(() -> {
                try (OutputStream os = p.getOutputStream()) {
                    stdin.write(os);
                } catch (IOException e) {
                    inFailure[0] = e;
                }
            }, "stdin-" + command.get(0));
            inPump.setDaemon(true);
            inPump.start();
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": timed out after " + timeout.toSeconds() + " s");
            }
            outPump.join(5000);
            errPump.join(5000);
            if (inPump != null) {
                inPump.join(5000);
            }
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw new IOException(command.get(0) + ": interrupted", e);
        }
        if (inFailure[0] != null && p.exitValue() == 0) {
            throw new IOException("feeding " + command.get(0) + ": " + inFailure[0].getMessage(), inFailure[0]);
        }
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream sink, Consumer<String> lines) {
        Thread t = new Thread(() -> {
            try (in) {
                byte[] buf = new byte[8192];
                int n;
                StringBuilder line = new StringBuilder();
                while ((n = in.read(buf)) > 0) {
                    synchronized (sink) {
                        sink.write(buf, 0, n);
                    }
                    if (lines != null) {
                        for (int i = 0; i < n; i++) {
                            char c = (char) buf[i];
                            if (c == '\n') {
                                lines.accept(line.toString());
                                line.setLength(0);
                            } else {
                                line.append(c);
                            }
                        }
                    }
                }
            } catch (IOException ignored) {
                // The process ended; what was read is kept.
            }
        }, "pump");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @FunctionalInterface
    public interface StdinWriter {
        void write(OutputStream stdin) throws IOException;
    }
}
