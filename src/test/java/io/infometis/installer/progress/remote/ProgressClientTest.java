package io.infometis.installer.progress.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.progress.Progress.PhaseSpec;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.FakeProgressApi;

class ProgressClientTest {

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Against a refused port it tries, pauses {@link ProgressClient#RETRY_PAUSE}, tries again, and gives up on the
     * first failure past the deadline. The clock is the test's and moves only by the pauses, so the count of
     * attempts is exact: with a deadline 1.2 s away, attempts at 0, 0.5 and 1.0 s are in time and the one at 1.5 s
     * is past it.
     */
    @Test
    void retriesEveryPauseUntilTheDeadlineThenGivesUp() throws Exception {
        int port = freePort();
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        AtomicReference<Instant> now = new AtomicReference<>(start);
        Clock clock = new Clock() {
            public Instant instant() {
                return now.get();
            }

            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        };
        List<Duration> pauses = new ArrayList<>();
        ProgressClient client = new ProgressClient(URI.create("http://127.0.0.1:" + port), null, clock, d -> {
            pauses.add(d);
            now.set(now.get().plus(d));
        });
        InstallerException e = assertThrows(InstallerException.class, () -> client.progress(start.plusMillis(1200)));
        assertEquals(ExitCodes.API_UNREACHABLE, e.exitCode());
        assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
        assertEquals(List.of(ProgressClient.RETRY_PAUSE, ProgressClient.RETRY_PAUSE, ProgressClient.RETRY_PAUSE), pauses,
                "four attempts, three pauses between them");
    }

    @Test
    void keepsRetryingUntilTheInstallerComesUp() throws Exception {
        int port = freePort();
        CompletableFuture<FakeProgressApi> later = CompletableFuture.supplyAsync(() -> {
            try {
                Thread.sleep(1200);
                return new FakeProgressApi(List.of(p -> p.start(List.of(new PhaseSpec("a", "A", 1)), false)), port);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            var snap = new ProgressClient(URI.create("http://127.0.0.1:" + port + "/"), null)
                    .progress(Instant.now().plus(Duration.ofSeconds(20)));
            assertEquals(State.RUNNING, snap.state());
        } finally {
            later.get().close();
        }
    }
}
