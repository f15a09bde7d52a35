package io.infometis.installer.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.Json;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.host.AtomicFiles;
import io.infometis.installer.progress.State;

class JournalTest {
    @TempDir
    Path dir;

    @Test
    void recordsPhasesAndUnitsAndReadsThemBack() {
        Path file = dir.resolve("state/journal.json");
        Journal j = Journal.open(file, false);
        assertFalse(j.hasEarlierRun());
        j.begin("sha256:abc");
        j.plan(List.of("a", "b"));
        j.phase("a", State.RUNNING, null);
        j.unit("a", "u1", State.SUCCEEDED, "done");
        j.phase("a", State.SUCCEEDED, null);
        j.finish(State.SUCCEEDED);

        Journal again = Journal.open(file, false);
        assertTrue(again.hasEarlierRun());
        assertEquals(State.SUCCEEDED, again.earlierState());
        assertEquals(State.SUCCEEDED, again.phaseState("a"));
        assertEquals(State.PENDING, again.phaseState("b"));
        assertEquals("done", again.unit("a", "u1").detail());
        assertFalse(again.completedEarlier("sha256:abc"), "b is still to do");
    }

    @Test
    void aCompletedRunIsRecognisedOnlyForTheSameBundle() {
        Path file = dir.resolve("journal.json");
        Journal j = Journal.open(file, false);
        j.begin("sha256:abc");
        j.plan(List.of("a"));
        j.phase("a", State.SKIPPED, "already done");
        j.finish(State.SUCCEEDED);
        Journal again = Journal.open(file, false);
        assertTrue(again.completedEarlier("sha256:abc"));
        assertFalse(again.completedEarlier("sha256:other"), "a new bundle is an upgrade, not a rerun");
    }

    @Test
    void aDryRunJournalStaysInMemory() {
        Path file = dir.resolve("state/journal.json");
        Journal j = Journal.open(file, true);
        j.begin(null);
        j.phase("a", State.RUNNING, null);
        j.unit("a", "u1", State.SUCCEEDED, null);
        j.finish(State.SUCCEEDED);
        assertEquals(State.SUCCEEDED, j.state());
        assertFalse(Files.exists(dir.resolve("state")));
    }

    @Test
    void aWriteCutOffHalfwayLeavesTheOldJournalReadable() throws Exception {
        Path file = dir.resolve("journal.json");
        Journal j = Journal.open(file, false);
        j.begin("sha256:abc");
        j.unit("images", "kafka", State.SUCCEEDED, "imported");
        String before = Files.readString(file);

        // An interrupt closes the channel in the middle of AtomicFiles.write, as a signal or timeout would.
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            Thread.currentThread().interrupt();
            try {
                AtomicFiles.write(file, "{\"formatVersion\":1,\"sta".getBytes(StandardCharsets.UTF_8), null);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        writer.start();
        writer.join();
        assertTrue(thrown.get() instanceof ClosedByInterruptException, String.valueOf(thrown.get()));
        assertEquals(before, Files.readString(file));
        assertEquals(State.SUCCEEDED, Journal.open(file, false).unit("images", "kafka").state());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(file), s.toList(), "the temp file is cleaned up");
        }
    }

    @Test
    void aTempFileLeftByAKilledWriterIsIgnored() throws Exception {
        Path file = dir.resolve("journal.json");
        Journal j = Journal.open(file, false);
        j.begin(null);
        j.unit("images", "kafka", State.SUCCEEDED, null);
        // What kill -9 during a write leaves: half a temp file beside the journal.
        Files.writeString(dir.resolve(".journal.json.123.tmp"), "{\"formatVersion\":1,\"phas");
        Journal again = Journal.open(file, false);
        assertEquals(State.SUCCEEDED, again.unit("images", "kafka").state());
        again.unit("images", "flink", State.SUCCEEDED, null);
        assertEquals(2, Journal.open(file, false).units("images").size());
    }

    @Test
    void readersNeverSeeHalfAJournal() throws Exception {
        Path file = dir.resolve("journal.json");
        Journal j = Journal.open(file, false);
        j.begin(null);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger reads = new AtomicInteger();
        AtomicReference<Throwable> bad = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            while (!done.get()) {
                try {
                    Json.MAPPER.readValue(file.toFile(), Journal.Record.class);
                    reads.incrementAndGet();
                } catch (Throwable t) {
                    bad.set(t);
                    return;
                }
            }
        });
        reader.start();
        for (int i = 0; i < 400; i++) {
            j.unit("images", "image-" + i, State.SUCCEEDED, "x".repeat(i));
        }
        done.set(true);
        reader.join();
        assertEquals(null, bad.get());
        assertTrue(reads.get() > 0);
    }

    @Test
    void anUnreadableJournalStopsWithAWayOut() throws Exception {
        Path file = dir.resolve("journal.json");
        Files.writeString(file, "{not json");
        InstallerException e = assertThrows(InstallerException.class, () -> Journal.open(file, false));
        assertEquals(ExitCodes.FAILED, e.exitCode());
        assertTrue(e.hint().contains("move it aside"), e.hint());
    }
}
