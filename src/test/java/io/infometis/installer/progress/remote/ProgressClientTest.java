package io.infometis.installer.progress.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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

    @Test
    void givesUpOnARefusedConnectionAtTheDeadline() throws Exception {
        int port = freePort();
        long t0 = System.nanoTime();
        InstallerException e = assertThrows(InstallerException.class,
                () -> new ProgressClient(URI.create("http://127.0.0.1:" + port), null).progress(Instant.now().plusMillis(800)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(ExitCodes.API_UNREACHABLE, e.exitCode());
        assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
        assertTrue(ms >= 800 && ms < 5000, ms + " ms");
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
