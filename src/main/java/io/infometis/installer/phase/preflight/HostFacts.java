package io.infometis.installer.phase.preflight;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** What preflight reads from the host; tests substitute their own facts. */
public interface HostFacts {
    int uid();

    String arch();

    int cpus();

    long memoryBytes();

    /** Usable bytes on the filesystem holding {@code path} (or its nearest existing parent). */
    long freeBytes(Path path) throws IOException;

    boolean portFree(int port);

    boolean exists(Path path);

    /** The file's text; a missing file throws {@link java.nio.file.NoSuchFileException}, as the real one does. */
    String read(Path path) throws IOException;

    /** The names in a directory (for {@code /proc}: the pids); a missing directory throws, as the real one does. */
    List<String> list(Path dir) throws IOException;

    /** Is this systemd unit active ({@code systemctl is-active})? False on a host not booted with systemd. */
    boolean unitActive(String unit);

    /** Facts of the machine this runs on. */
    static HostFacts live() {
        return new HostFacts() {
            @Override
            public int uid() {
                try {
                    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
                } catch (IOException | UnsupportedOperationException e) {
                    return -1;
                }
            }

            @Override
            public String arch() {
                return System.getProperty("os.arch");
            }

            @Override
            public int cpus() {
                return Runtime.getRuntime().availableProcessors();
            }

            @Override
            public long memoryBytes() {
                try {
                    for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                        if (line.startsWith("MemTotal:")) {
                            return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                        }
                    }
                } catch (IOException | NumberFormatException ignored) {
                    // fall through: unknown
                }
                return -1;
            }

            @Override
            public long freeBytes(Path path) throws IOException {
                Path p = path.toAbsolutePath();
                while (p != null && !Files.exists(p)) {
                    p = p.getParent();
                }
                return Files.getFileStore(p == null ? Path.of("/") : p).getUsableSpace();
            }

            @Override
            public boolean portFree(int port) {
                try (ServerSocket s = new ServerSocket()) {
                    s.setReuseAddress(true);
                    s.bind(new InetSocketAddress(port));
                    return true;
                } catch (IOException e) {
                    return false;
                }
            }

            @Override
            public boolean exists(Path path) {
                return Files.exists(path);
            }

            @Override
            public String read(Path path) throws IOException {
                return Files.readString(path);
            }

            @Override
            public List<String> list(Path dir) throws IOException {
                try (Stream<Path> s = Files.list(dir)) {
                    return s.map(p -> p.getFileName().toString()).toList();
                }
            }

            /** sd_booted()'s test, then systemctl; reading a unit's state changes nothing on the host. */
            @Override
            public boolean unitActive(String unit) {
                if (!Files.isDirectory(Path.of("/run/systemd/system"))) {
                    return false;
                }
                try {
                    Process p = new ProcessBuilder("systemctl", "is-active", "--quiet", unit)
                            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    if (!p.waitFor(10, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                        return false;
                    }
                    return p.exitValue() == 0;
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        };
    }
}
