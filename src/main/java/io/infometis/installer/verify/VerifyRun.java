package io.infometis.installer.verify;

import java.util.function.BooleanSupplier;

/**
 * What one verification works with: where the stack answers, an HTTP client, and a run id that makes this
 * run's records and documents its own (so a rerun never reads an earlier run's data as proof).
 */
public record VerifyRun(String runId, StackEndpoints endpoints, HttpJson http, int records, Runnable cancelCheck) {

    public VerifyRun {
        if (!runId.matches("[a-z0-9-]{1,40}")) {
            throw new IllegalArgumentException("run id " + runId);
        }
    }

    public void checkCancelled() {
        cancelCheck.run();
    }

    /** Polls {@code done} until it is true or {@code attempts} polls {@code pauseMillis} apart have passed. */
    public boolean await(int attempts, long pauseMillis, BooleanSupplier done) throws InterruptedException {
        for (int i = 0; i < attempts; i++) {
            checkCancelled();
            if (done.getAsBoolean()) {
                return true;
            }
            Thread.sleep(pauseMillis);
        }
        return done.getAsBoolean();
    }
}
