package io.infometis.installer.testing;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.install.Installer;
import io.infometis.installer.install.Journal;
import io.infometis.installer.phase.Phase;
import io.infometis.installer.phase.PhaseRunner;
import io.infometis.installer.progress.Progress;

/** Runs phases through the real engine (journal, gate, progress) under a sandbox root. */
public final class Runs {
    private Runs() {
    }

    public record Run(PhaseRunner.Outcome outcome, Progress progress, long millis) {
    }

    public static Run run(InstallOptions options, InstallBundle bundle, Phase... phases) {
        Progress progress = new Progress();
        long t0 = System.nanoTime();
        PhaseRunner.Outcome outcome = new Installer(options, progress).run(List.of(phases), bundle);
        return new Run(outcome, progress, (System.nanoTime() - t0) / 1_000_000);
    }

    public static InstallOptions options(Path root, Path k0sBinary, String volumesDir) {
        return new InstallOptions(root, null, null, null, false, null, Set.of(), k0sBinary, volumesDir, null);
    }

    /** Removes every image of namespace k8s.io from the private containerd, so a test starts from an empty store. */
    public static void clearImages(ContainerdExtension containerd) throws Exception {
        List<String> refs = containerd.ctrOk("-n", "k8s.io", "images", "ls", "-q").lines().filter(l -> !l.isBlank()).toList();
        if (!refs.isEmpty()) {
            List<String> args = new java.util.ArrayList<>(List.of("-n", "k8s.io", "images", "rm", "--sync"));
            args.addAll(refs);
            containerd.ctrOk(args.toArray(String[]::new));
        }
    }

    public static Map<String, Journal.UnitRecord> journalUnits(Path root, String phase) {
        return Journal.open(HostPaths.of(root).journalFile(), true).units(phase);
    }
}
