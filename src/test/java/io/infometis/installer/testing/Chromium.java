package io.infometis.installer.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Debian's headless chromium driven over the DevTools protocol with the JDK's own WebSocket client: a real
 * browser in a JUnit test without a node tool chain or a new dependency. One browser, one page; every wait is
 * bounded and {@link #close()} kills the whole process tree.
 */
public final class Chromium implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final ObjectMapper json = new ObjectMapper();
    private final Map<Long, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final Process process;
    private final Path profile;
    private final Path log;
    private WebSocket socket;

    private Chromium(Process process, Path profile, Path log) {
        this.process = process;
        this.profile = profile;
        this.log = log;
    }

    /** Starts chromium with a fresh profile and attaches to its blank page. */
    public static Chromium launch() throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing — run .ci/deps.sh (installs Debian's chromium)");
        }
        Path profile = Files.createTempDirectory("chromium-profile");
        Path log = Files.createTempFile("chromium", ".log");
        // These flags are what headless chromium needs as root in a container without a GPU, D-Bus or network.
        Process process = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "--window-size=1000,1200", "about:blank")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Chromium browser = new Chromium(process, profile, log);
        try {
            browser.attach();
            return browser;
        } catch (IOException | InterruptedException | RuntimeException e) {
            browser.close();
            throw e;
        }
    }

    private void attach() throws IOException, InterruptedException {
        // --remote-debugging-port=0 picks a free port and writes it to DevToolsActivePort once it listens.
        Path portFile = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String port = null;
        while (port == null) {
            if (!process.isAlive()) {
                throw new IllegalStateException("chromium exited with " + process.exitValue() + ": " + logTail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("chromium did not open its DevTools port within " + START_TIMEOUT
                        + ": " + logTail());
            }
            List<String> lines = Files.exists(portFile) ? Files.readAllLines(portFile) : List.of();
            if (!lines.isEmpty() && !lines.get(0).isBlank()) {
                port = lines.get(0).trim();
            } else {
                Thread.sleep(100);
            }
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        String pageSocket = null;
        for (JsonNode target : json.readTree(list)) {
            if ("page".equals(target.path("type").asText()) && "about:blank".equals(target.path("url").asText())) {
                pageSocket = target.path("webSocketDebuggerUrl").asText();
            }
        }
        if (pageSocket == null) {
            throw new IllegalStateException("chromium shows no blank page target: " + list);
        }
        socket = join(http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create(pageSocket.replace("//localhost:", "//127.0.0.1:")), new Replies()),
                "connecting to the DevTools socket");
        call("Page.enable", Map.of());
        call("Runtime.enable", Map.of());
    }

    /** Loads a URL and waits until its document is complete. */
    public void open(String url) {
        // The marker tells the new document from the old one, even when the URL stays the same (a reload).
        eval("window.previousDocument = true");
        call("Page.navigate", Map.of("url", url));
        waitUntil("!window.previousDocument && document.readyState === 'complete'", Duration.ofSeconds(20),
                "page " + url + " loaded");
    }

    /** Emulates a screen size, e.g. a phone's 390×844. */
    public void viewport(int width, int height, boolean mobile) {
        call("Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", mobile));
    }

    /** Evaluates a JavaScript expression in the page and returns its value as JSON (promises are awaited). */
    public JsonNode eval(String expression) {
        JsonNode reply = call("Runtime.evaluate",
                Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        if (reply.has("exceptionDetails")) {
            throw new IllegalStateException("page script failed: " + expression + " → "
                    + reply.path("exceptionDetails").path("exception").path("description").asText(
                            reply.path("exceptionDetails").toString()));
        }
        return reply.path("result").path("value");
    }

    public String text(String expression) {
        return eval(expression).asText();
    }

    /** Polls a JavaScript condition until it holds; on time-out, fails with what the page showed. */
    public void waitUntil(String condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (eval("!!(" + condition + ")").asBoolean()) {
                    return;
                }
            } catch (IllegalStateException pageStillLoading) {
                // a navigation can wipe the context between two polls: try again
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited " + timeout.toSeconds() + " s for: " + what + "\npage text:\n"
                        + eval("document.body ? document.body.innerText : ''").asText());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for: " + what, e);
            }
        }
    }

    public void screenshot(Path file) throws IOException {
        JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
    }

    /** A JavaScript string literal for a Java string (JSON strings are valid JavaScript). */
    public String literal(String s) {
        try {
            return json.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private JsonNode call(String method, Map<String, ?> params) {
        long id = ids.incrementAndGet();
        ObjectNode message = json.createObjectNode().put("id", id).put("method", method);
        message.set("params", json.valueToTree(params));
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        calls.put(id, reply);
        try {
            join(socket.sendText(message.toString(), true), "sending " + method);
            JsonNode answer = join(reply, method);
            if (answer.has("error")) {
                throw new IllegalStateException(method + ": " + answer.get("error"));
            }
            return answer.path("result");
        } finally {
            calls.remove(id);
        }
    }

    private static <T> T join(CompletionStage<T> stage, String what) {
        try {
            return stage.toCompletableFuture().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("DevTools: no answer to " + what + " within " + CALL_TIMEOUT, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("DevTools: " + what + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + what, e);
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.abort();
        }
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        calls.values().forEach(c -> c.completeExceptionally(new IllegalStateException("chromium closed")));
        deleteQuietly(profile);
        deleteQuietly(log);
    }

    private static void deleteQuietly(Path path) {
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }

    /** Collects DevTools messages (possibly fragmented) and completes the call each reply answers. */
    private final class Replies implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    JsonNode message = json.readTree(text);
                    CompletableFuture<JsonNode> call = message.has("id") ? calls.get(message.get("id").asLong()) : null;
                    if (call != null) {
                        call.complete(message);
                    }
                } catch (IOException e) {
                    calls.values().forEach(c -> c.completeExceptionally(e));
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            calls.values().forEach(c -> c.completeExceptionally(error));
        }
    }
}
