package io.infometis.installer.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A pass-through in front of the real installer that can go down and come back on the same port: to a browser
 * that is what a reboot or a restarted installer looks like, while the test's Quarkus app keeps running.
 */
public final class InstallerProxy implements AutoCloseable {
    private static final List<String> FORWARDED_REQUEST_HEADERS = List.of("Authorization", "Accept");
    private static final List<String> FORWARDED_RESPONSE_HEADERS = List.of("Content-Type", "WWW-Authenticate");

    private final URI installer;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService workers = Executors.newFixedThreadPool(4);
    private int port;
    private HttpServer server;

    public InstallerProxy(URI installer) throws IOException {
        this.installer = installer;
        start(0);
    }

    /** The page's address through this pass-through. */
    public String url() {
        return "http://127.0.0.1:" + port + "/";
    }

    /** The installer goes away: the port refuses connections and open ones are closed. */
    public synchronized void goDown() {
        server.stop(0);
        server = null;
    }

    /** The installer is back, on the same port. */
    public synchronized void comeBack() throws IOException {
        start(port);
    }

    private synchronized void start(int wanted) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), wanted), 16);
        server.createContext("/", this::forward);
        server.setExecutor(workers);
        server.start();
        port = server.getAddress().getPort();
    }

    private void forward(HttpExchange exchange) throws IOException {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(installer.resolve(exchange.getRequestURI().toString()))
                    .timeout(Duration.ofSeconds(10))
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
            for (String h : FORWARDED_REQUEST_HEADERS) {
                String value = exchange.getRequestHeaders().getFirst(h);
                if (value != null) {
                    request.header(h, value);
                }
            }
            HttpResponse<byte[]> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.sendResponseHeaders(502, -1);
                return;
            }
            for (String h : FORWARDED_RESPONSE_HEADERS) {
                response.headers().firstValue(h).ifPresent(v -> exchange.getResponseHeaders().set(h, v));
            }
            byte[] body = response.body();
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(response.statusCode(), head || body.length == 0 ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        } finally {
            exchange.close();
        }
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
        }
        workers.shutdownNow();
    }
}
