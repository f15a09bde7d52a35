package io.infometis.installer.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.infometis.installer.progress.Progress.PhaseSpec;

class ProgressTest {

    @Test
    void percentNeverGoesBackAndReaches100OnlyOnSuccess() {
        Progress p = new Progress();
        p.start(List.of(new PhaseSpec("a", "A", 1), new PhaseSpec("b", "B", 3)), false);
        p.registerUnits("b", List.of("u1", "u2", "u3"));
        p.phaseStarted("a");
        p.phaseFinished("a", State.SUCCEEDED, null);
        int afterA = p.snapshot().percent();
        assertEquals(25, afterA);
        p.phaseStarted("b");
        p.unitStarted("b", "u1");
        p.unitFinished("b", "u1", State.SUCCEEDED, null);
        p.unitFinished("b", "u2", State.SUCCEEDED, null);
        p.unitFinished("b", "u3", State.SUCCEEDED, null);
        assertEquals(99, p.snapshot().percent(), "all units done but the run has not finished");
        p.phaseFinished("b", State.FAILED, "boom");
        p.finish(State.FAILED, null);
        assertTrue(p.snapshot().percent() < 100);
        assertEquals(99, p.snapshot().percent(), "a failure does not lower the percent");
    }

    @Test
    void eventsArePagedWithAContinuationPoint() {
        Progress p = new Progress();
        p.start(List.of(new PhaseSpec("a", "A", 1)), false);
        for (int i = 0; i < 10; i++) {
            p.event(Severity.INFO, "a", "e" + i);
        }
        EventPage first = p.events(0, 4);
        assertEquals(4, first.events().size());
        assertTrue(first.more());
        EventPage rest = p.events(first.next(), 100);
        assertEquals(first.next() + 1, rest.events().get(0).seq());
        assertEquals(p.snapshot().lastEventSeq(), rest.next());
    }
}
