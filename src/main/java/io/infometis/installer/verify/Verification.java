package io.infometis.installer.verify;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs the data-path checks in order and reports each one. A failed check does not stop the others: the operator
 * gets the whole picture in one run. A check that fails is tried again a few times, because a freshly started
 * stack settles for a while (a first scrape, a consumer group's first fetch) and that is not a defect.
 */
public final class Verification {

    /** What a caller sees of each check: the install's progress, or the {@code verify} command's console. */
    public interface Listener {
        void started(String check);

        void passed(String check, String detail);

        void failed(String check, String reason);
    }

    /** One failed check: its name, what it saw and the next step. */
    public record Failure(String check, String reason, String next) {
    }

    private final List<DataPathCheck> checks;
    private final int attempts;
    private final long pauseMillis;

    public Verification(List<DataPathCheck> checks, int attempts, long pauseMillis) {
        this.checks = List.copyOf(checks);
        this.attempts = Math.max(1, attempts);
        this.pauseMillis = pauseMillis;
    }

    /** Only the checks whose components the bundle installs: a bundle without ksqlDB is not checked for it. */
    public Verification forComponents(java.util.Collection<String> components) {
        return new Verification(checks.stream().filter(c -> components.containsAll(c.needs())).toList(), attempts,
                pauseMillis);
    }

    public List<String> names() {
        return checks.stream().map(DataPathCheck::name).toList();
    }

    /** Runs every check; returns the failures, empty when the data path works end to end. */
    public List<Failure> run(VerifyRun run, Listener listener) throws InterruptedException {
        List<Failure> failures = new ArrayList<>();
        for (DataPathCheck check : checks) {
            run.checkCancelled();
            listener.started(check.name());
            Outcome outcome = attempt(check, run);
            if (outcome.failure() == null) {
                listener.passed(check.name(), outcome.detail());
            } else {
                failures.add(outcome.failure());
                listener.failed(check.name(), outcome.failure().reason());
            }
        }
        return failures;
    }

    private record Outcome(String detail, Failure failure) {
    }

    private Outcome attempt(DataPathCheck check, VerifyRun run) throws InterruptedException {
        Failure last = null;
        for (int i = 1; i <= attempts; i++) {
            try {
                return new Outcome(check.run(run), null);
            } catch (CheckFailed e) {
                last = new Failure(check.name(), e.getMessage(), e.next());
            } catch (InterruptedException | io.infometis.installer.InstallerException e) {
                throw e; // cancellation: the run stops here, not a failed check
            } catch (Exception e) {
                last = new Failure(check.name(), e.getClass().getSimpleName() + ": " + e.getMessage(),
                        "check the component's log ('infometis support-bundle' collects it)");
            }
            if (i < attempts) {
                run.checkCancelled();
                Thread.sleep(pauseMillis);
            }
        }
        return new Outcome(null, last);
    }
}
