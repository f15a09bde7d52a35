package io.infometis.installer.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.install.Installer;
import io.infometis.installer.install.Journal;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.State;

/**
 * Child-process stand-ins for signal and crash tests (run with the test class path, no Quarkus).
 * {@code install ROOT}: a real {@link Installer} whose phase "slow" works through 200 units of 50 ms and prints
 * {@code READY} once 3 are recorded. {@code journal FILE}: rewrites a journal as fast as it can, forever.
 */
public final class SlowInstall {
    private SlowInstall() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("journal")) {
            Journal j = Journal.open(Path.of(args[1]), false);
            j.begin("sha256:test");
            System.out.println("READY");
            System.out.flush();
            for (long i = 0;; i++) {
                j.unit("images", "image-" + (i % 500), State.SUCCEEDED, "imported " + i);
            }
        }
        FakeHost host = new FakeHost();
        List<String> units = new ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            units.add("u" + i);
        }
        FakePhase slow = new FakePhase("slow", units, host).sleepingPerUnit(Duration.ofMillis(50))
                .onBoundary((where, phase, unit, ctx) -> {
                    if (where == FakePhase.Boundary.UNIT_RECORDED && "u3".equals(unit)) {
                        System.out.println("READY");
                        System.out.flush();
                    }
                });
        var outcome = new Installer(InstallOptions.under(Path.of(args[1])), new Progress())
                .run(List.of(new FakePhase("first", List.of("f1"), host), slow, new FakePhase("last", List.of(), host)), null);
        System.out.println("OUTCOME " + outcome.state());
        System.exit(outcome.exitCode());
    }
}
