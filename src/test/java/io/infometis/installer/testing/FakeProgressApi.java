package io.infometis.installer.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.infometis.installer.Json;
import io.infometis.installer.progress.Progress;

/**
 * A progress API on the JDK's HTTP server, serving a real {@link Progress} model as the installer would. Before
 * answering the n-th {@code /api/v1/progress} request it runs the n-th script step, so a test moves the install
 * forward between a watcher's polls.
 */
public final class FakeProgressApi implements AutoCloseable {
    private final HttpServer server;
    private final Progress progress = new Progress();
    private final List<Consumer<Progress>> script;
    private final AtomicInteger progressCalls = new AtomicInteger();

    public FakeProgressApi(List<Consumer<Progress>> script) throws IOException {
        this(script, 0);
    }

    public FakeProgressApi(List<Consumer<Progress>> script, int port) throws IOException {
        this.script = List.copyOf(script);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/api/v1/progress", ex -> {
            int n = progressCalls.getAndIncrement();
            if (n < this.script.size()) {
                this.script.get(n).accept(progress);
            }
            reply(ex, Json.MAPPER.writeValueAsBytes(progress.snapshot()));
        });
        server.createContext("/api/v1/events", ex -> {
            Map<String, String> q = query(ex.getRequestURI());
            reply(ex, Json.MAPPER.writeValueAsBytes(progress.events(Long.parseLong(q.getOrDefault("after", "0")),
                    Integer.parseInt(q.getOrDefault("limit", "100")))));
        });
        server.start();
    }

    /** Serves {@code GET /api/v1/installed} with this document (absent, as from an older installer, until called). */
    public FakeProgressApi serveInstalled(Object document) {
        server.createContext("/api/v1/installed", ex -> reply(ex, Json.MAPPER.writeValueAsBytes(document)));
        return this;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public Progress progress() {
        return progress;
    }

    public int progressCalls() {
        return progressCalls.get();
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> out = new HashMap<>();
        if (uri.getQuery() != null) {
            for (String kv : uri.getQuery().split("&")) {
                String[] p = kv.split("=", 2);
                out.put(p[0], p.length > 1 ? p[1] : "");
            }
        }
        return out;
    }

    private static void reply(HttpExchange ex, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
