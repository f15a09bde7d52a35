package io.infometis.installer.testing;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A private, real OCI registry (Debian's {@code docker-registry}, distribution 2.8) on 127.0.0.1 and a free port,
 * plain HTTP, storage under a temp dir; started before the test class, stopped after it (.ci/deps.sh installs the
 * package).
 *
 * <pre>
 * &#64;RegisterExtension
 * static final RegistryExtension REGISTRY = new RegistryExtension();
 * ... REGISTRY.host()  // "127.0.0.1:41234"
 * </pre>
 */
public final class RegistryExtension implements BeforeAllCallback, AfterAllCallback {
    private Path dir;
    private Process daemon;
    private int port;

    /** {@code 127.0.0.1:PORT}, the registry part of an image ref. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public URI url(String path) {
        return URI.create("http://" + host() + path);
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
        dir = Files.createTempDirectory("registry");
        for (int attempt = 0; attempt < 3; attempt++) {
            port = freePort();
            String config = """
                    version: 0.1
                    log:
                      level: warn
                      accesslog:
                        disabled: true
                    storage:
                      filesystem:
                        rootdirectory: %s/data
                      delete:
                        enabled: true
                    http:
                      addr: 127.0.0.1:%d
                    """.formatted(dir, port);
            Files.writeString(dir.resolve("config.yml"), config);
            daemon = new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("registry.log").toFile())
                    .start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && daemon.isAlive()) {
                if (ready()) {
                    return;
                }
                Thread.sleep(50);
            }
            // Lost the port to someone else between probing and binding, or a slow start: try another port.
            stopDaemon();
        }
        throw new IllegalStateException("docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
    }

    public void stop() throws InterruptedException, IOException {
        stopDaemon();
        if (dir != null) {
            new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private void stopDaemon() throws InterruptedException {
        if (daemon != null) {
            daemon.destroy();
            if (!daemon.waitFor(10, TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
                daemon.waitFor(5, TimeUnit.SECONDS);
            }
            daemon = null;
        }
    }

    private boolean ready() {
        try {
            HttpURLConnection c = (HttpURLConnection) url("/v2/").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(500);
            int code = c.getResponseCode();
            c.disconnect();
            return code == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
