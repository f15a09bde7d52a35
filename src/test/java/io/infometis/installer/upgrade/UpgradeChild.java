package io.infometis.installer.upgrade;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.progress.ConsoleRenderer;
import io.infometis.installer.progress.Progress;

/** {@code upgrade --root ROOT --bundle BUNDLE} without Quarkus, in a child JVM that a test kills with SIGKILL. */
public final class UpgradeChild {
    public static void main(String[] args) throws Exception {
        Progress progress = new Progress();
        progress.addListener(new ConsoleRenderer(new PrintWriter(System.out, true), false));
        Upgrader.Result r = new Upgrader(options(Path.of(args[0]), Path.of(args[1])), progress, Duration.ofSeconds(20))
                .run(null);
        System.exit(r.outcome().exitCode());
    }

    static InstallOptions options(Path root, Path bundle) {
        return new InstallOptions(root, null, bundle, null, false, null, Set.of(), null, null, null);
    }
}
