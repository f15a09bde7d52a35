package io.infometis.installer.progress.remote;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import io.infometis.installer.Json;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.progress.EventPage;
import io.infometis.installer.progress.ProgressSnapshot;
import io.infometis.installer.upgrade.InstalledReport;

/** Reads a remote installer's progress API, retrying through "connection refused" until a deadline. */
public final class ProgressClient {
    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Clock clock;
    private final Sleeper sleeper;

    /** Waits between attempts; tests pass one that records the pauses and moves their clock instead. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    static final Duration RETRY_PAUSE = Duration.ofMillis(500);

    public ProgressClient(URI base, String token) {
        this(base, token, Clock.systemUTC(), d -> Thread.sleep(d.toMillis()));
    }

    ProgressClient(URI base, String token, Clock clock, Sleeper sleeper) {
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.token = token;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    public ProgressSnapshot progress(Instant deadline) {
        return get("/api/v1/progress", ProgressSnapshot.class, deadline);
    }

    public EventPage events(long after, Instant deadline) {
        return get("/api/v1/events?after=" + after + "&limit=500", EventPage.class, deadline);
    }

    /**
     * {@code GET /api/v1/installed}: the installed bundle and the history; null from an installer too old to serve
     * it (404), so status still shows the progress.
     */
    public InstalledReport installed(Instant deadline) {
        return get("/api/v1/installed", InstalledReport.class, deadline, true);
    }

    private <T> T get(String path, Class<T> type, Instant deadline) {
        return get(path, type, deadline, false);
    }

    private <T> T get(String path, Class<T> type, Instant deadline, boolean missingIsNull) {
        IOException last = null;
        while (true) {
            try {
                HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).GET();
                if (token != null) {
                    req.header("Authorization", "Bearer " + token);
                }
                HttpResponse<byte[]> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
                if (resp.statusCode() == 401) {
                    throw InstallerException.invalidInput("the progress API at " + base + (token == null
                            ? " wants a token" : " refused the token"), "pass --token-file FILE (or INFOMETIS_TOKEN) with the "
                            + "token the installer printed at start; on its host it is in /var/lib/infometis/api-token");
                }
                if (resp.statusCode() == 400) {
                    throw InstallerException.invalidInput("the progress API at " + base + " refused the request (HTTP 400)",
                            "give --url as http://HOST:PORT with no path");
                }
                if (resp.statusCode() == 404 && missingIsNull) {
                    return null;
                }
                if (resp.statusCode() != 200) {
                    throw new InstallerException("the progress API at " + base + " answered HTTP " + resp.statusCode(),
                            "check the URL points at an InfoMetis installer", ExitCodes.API_UNREACHABLE);
                }
                return Json.LENIENT.readValue(resp.body(), type);
            } catch (ConnectException | HttpTimeoutException e) {
                last = e;
            } catch (IOException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InstallerException("interrupted", "", ExitCodes.API_UNREACHABLE);
            }
            if (clock.instant().isAfter(deadline)) {
                String why = last instanceof ConnectException ? "connection refused"
                        : last instanceof HttpTimeoutException ? "no answer"
                        : last.getMessage() == null ? last.getClass().getSimpleName() : last.getMessage();
                throw new InstallerException("progress API " + base + " unreachable (" + why + ")",
                        "check the address and that the installer is running; raise --timeout to wait longer",
                        ExitCodes.API_UNREACHABLE);
            }
            try {
                sleeper.sleep(RETRY_PAUSE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InstallerException("interrupted", "", ExitCodes.API_UNREACHABLE);
            }
        }
    }
}
