package io.infometis.installer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The packaged jar as an operator runs it ({@code java -jar target/quarkus-app/quarkus-run.jar}), in child
 * processes: the end-to-end checks of the spine. Runs in Maven's integration-test phase, after package.
 */
class PackagedJarIT {
    static final Path JAR = Path.of(System.getProperty("infometis.jar", "target/quarkus-app/quarkus-run.jar"));

    @TempDir
    Path work;
    final List<Process> started = new ArrayList<>();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    record Run(int exitCode, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    @AfterEach
    void stopChildren() throws InterruptedException {
        for (Process p : started) {
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process start(String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(work.resolve(name + ".out").toFile())
                .redirectError(work.resolve(name + ".err").toFile()).start();
        started.add(p);
        return p;
    }

    private Run run(String name, String... args) throws Exception {
        Process p = start(name, args);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), name + " finished");
        return new Run(p.exitValue(), Files.readString(work.resolve(name + ".out")), Files.readString(work.resolve(name + ".err")));
    }

    private HttpResponse<String> send(String method, String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Polls until the install behind {@code port} reports a final state. */
    private JsonNode finalProgress(int port, String token) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = send("GET", "http://127.0.0.1:" + port + "/api/v1/progress", token);
                if (r.statusCode() == 200) {
                    JsonNode n = Json.MAPPER.readTree(r.body());
                    if (!n.get("state").asText().equals("Running") && !n.get("state").asText().equals("Pending")) {
                        return n;
                    }
                }
            } catch (IOException notYet) {
                // The installer is still starting.
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no final state on port " + port);
    }

    /** The token the installer printed once on its console ({@code progress API token: T …}). */
    private String printedToken(String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("progress API token: ([A-Za-z0-9_-]{43})")
                    .matcher(Files.readString(work.resolve(name + ".out")));
            if (m.find()) {
                return m.group(1);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no token printed by " + name);
    }

    private Path emptyRoot() throws IOException {
        return Files.createDirectories(work.resolve("root"));
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(Path::toString).toList();
        }
    }

    @Test
    void aDryRunServesEveryPhaseAndStatusPrintsTheSame() throws Exception {
        Path root = emptyRoot();
        int port = freePort();
        start("install", "install", "--dry-run", "--root", root.toString(), "--api-port", Integer.toString(port),
                "--linger", "30s");
        String token = printedToken("install");
        JsonNode progress = finalProgress(port, token);
        assertEquals("Succeeded", progress.get("state").asText(), progress.toString());
        assertEquals(100, progress.get("percent").asInt());
        assertTrue(progress.get("dryRun").asBoolean());
        List<String> phases = new ArrayList<>();
        progress.get("phases").forEach(p -> phases.add(p.get("name").asText()));
        assertEquals("preflight", phases.get(0));

        String installOut = Files.readString(work.resolve("install.out"));
        for (JsonNode p : progress.get("phases")) {
            assertTrue(installOut.contains("==> " + p.get("title").asText()), "the console printed " + p.get("name"));
        }
        assertTrue(installOut.contains("plan: "), installOut);
        assertTrue(installOut.contains("Dry run finished: nothing was changed."), installOut);

        assertEquals(401, send("GET", "http://127.0.0.1:" + port + "/api/v1/progress", null).statusCode(), "a token by default");
        Run status = run("status", "status", "--url", "http://127.0.0.1:" + port, "--token", token);
        assertEquals(0, status.exitCode(), status.err());
        List<String> lines = status.out().lines().toList();
        assertEquals("install Succeeded 100% (dry run)", lines.get(0));
        for (JsonNode p : progress.get("phases")) {
            assertTrue(lines.stream().anyMatch(l -> l.matches("  " + p.get("name").asText() + " +"
                    + p.get("state").asText() + " .*" + java.util.regex.Pattern.quote(p.get("title").asText()))),
                    p.get("name") + " in " + status.out());
        }
        // The phases, then what is installed there: a dry run installs nothing.
        assertEquals(phases.size() + 2, lines.size(), status.out());
        assertEquals("installed: nothing yet (no install has finished)", lines.get(lines.size() - 1));

        Run json = run("status-json", "status", "--url", "http://127.0.0.1:" + port, "--output", "json", "--token", token);
        assertEquals(progress.get("phases"), Json.MAPPER.readTree(json.out()).get("phases"));

        assertEquals(405, send("POST", "http://127.0.0.1:" + port + "/api/v1/progress", null).statusCode());
        assertEquals(200, send("GET", "http://127.0.0.1:" + port + "/q/health/ready", token).statusCode());
        assertEquals(200, send("GET", "http://127.0.0.1:" + port + "/q/health/live", null).statusCode());
        assertEquals(400, send("GET", "http://127.0.0.1:" + port + "/api;x/v1/progress", null).statusCode());
        assertEquals(List.of(), list(root), "a dry run writes nothing under the root, not even the token");
    }

    @Test
    void aTokenFileGuardsTheApiFromTheStart() throws Exception {
        Path root = emptyRoot();
        Path tokenFile = Files.writeString(work.resolve("token"), "t0ken-" + System.nanoTime() + "\n");
        String token = Files.readString(tokenFile).trim();
        int port = freePort();
        start("install", "install", "--dry-run", "--root", root.toString(), "--api-port", Integer.toString(port),
                "--linger", "30s", "--api-token-file", tokenFile.toString());
        assertEquals("Succeeded", finalProgress(port, token).get("state").asText());
        assertEquals(401, send("GET", "http://127.0.0.1:" + port + "/api/v1/progress", null).statusCode());
        assertEquals(200, send("GET", "http://127.0.0.1:" + port + "/q/health/live", null).statusCode());
        Run without = run("status-no-token", "status", "--url", "http://127.0.0.1:" + port, "--timeout", "2s");
        assertEquals(2, without.exitCode());
        assertTrue(without.err().contains("--token-file"), without.err());
        Run with = run("status-token", "status", "--url", "http://127.0.0.1:" + port, "--token-file", tokenFile.toString());
        assertEquals(0, with.exitCode(), with.err());
    }

    @Test
    void aRealInstallKeepsItsTokenInTheStateDirWhereStatusOnTheSameHostFindsIt() throws Exception {
        Path root = emptyRoot();
        // Not a bundle: the install fails at once and, with an explicit --linger, serves that failure (as the ISO does).
        // (A --bundle that does not exist is refused as a wrong flag, before anything serves.)
        Path bundle = Files.writeString(work.resolve("not-a-bundle.tar"), "not a bundle\n");
        int port = freePort();
        start("install", "install", "--bundle", bundle.toString(), "--root", root.toString(), "--api-port",
                Integer.toString(port), "--linger", "30s");
        String token = printedToken("install");
        Path tokenFile = root.resolve("var/lib/infometis/api-token");
        assertEquals(token, Files.readString(tokenFile).strip());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
        assertEquals("Failed", finalProgress(port, token).get("state").asText());
        Run local = run("status-local", "status", "--url", "http://127.0.0.1:" + port, "--state-dir",
                root.resolve("var/lib/infometis").toString());
        assertEquals(1, local.exitCode(), local.err());
        assertTrue(local.out().startsWith("install Failed"), local.out());
        Run none = run("status-no-token", "status", "--url", "http://localhost:" + port, "--state-dir", work.toString());
        assertEquals(2, none.exitCode(), "no local token file there: " + none.err());
        Files.readString(work.resolve("install.out")).lines().filter(l -> l.contains(token)).reduce((a, b) -> {
            throw new AssertionError("the token is printed once: " + a + " / " + b);
        });
    }

    @Test
    void anOpenApiNeedsTheExplicitFlag() throws Exception {
        Path root = emptyRoot();
        int port = freePort();
        start("install", "install", "--dry-run", "--root", root.toString(), "--api-port", Integer.toString(port),
                "--linger", "30s", "--api-open");
        assertEquals("Succeeded", finalProgress(port, null).get("state").asText());
        assertFalse(Files.readString(work.resolve("install.out")).contains("progress API token:"));
        Path other = Files.createDirectories(work.resolve("other-root"));
        Run both = run("both", "install", "--dry-run", "--root", other.toString(), "--api-port", "0", "--api-open",
                "--api-token-file", work.resolve("t").toString());
        assertEquals(2, both.exitCode(), both.err());
        assertEquals(1, both.errLines().size(), both.err());
        assertTrue(both.err().startsWith("ERROR: --api-open and --api-token-file contradict each other"), both.err());
    }

    @Test
    void aSecondInstallerOnTheSameRootIsOneLineNamingThePid() throws Exception {
        Path root = emptyRoot();
        int port = freePort();
        Process first = start("first", "install", "--dry-run", "--root", root.toString(), "--api-port",
                Integer.toString(port), "--linger", "30s");
        finalProgress(port, printedToken("first"));
        Run second = run("second", "install", "--dry-run", "--root", root.toString(), "--api-port",
                Integer.toString(freePort()), "--linger", "0");
        assertEquals(io.infometis.installer.ExitCodes.LOCKED, second.exitCode(), second.out() + second.err());
        assertEquals(1, second.errLines().size(), second.err());
        assertTrue(second.errLines().get(0).startsWith("ERROR: another installer is running (pid " + first.pid() + ","),
                second.err());
    }

    @Test
    void aTakenApiPortIsOneLineNamingThePortAndTheFlag() throws Exception {
        Path root = emptyRoot();
        try (ServerSocket taken = new ServerSocket(0)) {
            int port = taken.getLocalPort();
            Run r = run("install", "install", "--dry-run", "--root", root.toString(), "--api-port", Integer.toString(port),
                    "--linger", "0");
            assertEquals(2, r.exitCode(), r.out() + r.err());
            assertEquals(1, r.errLines().size(), r.err());
            String line = r.errLines().get(0);
            assertTrue(line.startsWith("ERROR: ") && line.contains("port " + port) && line.contains("--api-port"), line);
            assertFalse(r.out().contains("==> "), "nothing ran");
        }
        assertEquals(List.of(), list(root));
    }

    @Test
    void versionAndStatusBindNoPort() throws Exception {
        // Point Quarkus's HTTP port at a taken one: a command that tried to bind it would fail.
        try (ServerSocket taken = new ServerSocket(0)) {
            String port = "-Dquarkus.http.port=" + taken.getLocalPort();
            Process v = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), port, "-jar",
                    JAR.toString(), "version").redirectErrorStream(true).start();
            started.add(v);
            String out = new String(v.getInputStream().readAllBytes());
            assertTrue(v.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, v.exitValue(), out);
            assertTrue(out.startsWith("infometis "), out);
            Process s = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), port, "-jar",
                    JAR.toString(), "status", "--url", "http://127.0.0.1:" + freePort(), "--timeout", "1s")
                    .redirectErrorStream(true).start();
            started.add(s);
            String statusOut = new String(s.getInputStream().readAllBytes());
            assertTrue(s.waitFor(60, TimeUnit.SECONDS));
            assertEquals(5, s.exitValue(), statusOut);
            assertTrue(statusOut.contains("unreachable"), statusOut);
        }
    }
}
