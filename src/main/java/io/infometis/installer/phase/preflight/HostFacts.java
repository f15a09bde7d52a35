package io.infometis.installer.phase.preflight;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

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

    String read(Path path) throws IOException;

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
        };
    }
}
