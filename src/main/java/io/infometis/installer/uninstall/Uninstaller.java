package io.infometis.installer.uninstall;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.host.FileTrees;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.Mounts;
import io.infometis.installer.install.Journal;
import io.infometis.installer.progress.State;

/**
 * Undoes an install: stops and resets k0s, removes what the installer wrote, and keeps the volumes' data unless
 * asked to purge it (k0s #4318: a reset that wiped PV data). Each step is idempotent and journaled in the state
 * dir, so an interrupted uninstall resumes; the state dir goes last.
 */
public final class Uninstaller {
    static final String PHASE = "uninstall";
    public static final List<String> STEPS = List.of("stop-k0s", "reset-k0s", "remove-files", "volume-data", "state-dir");

    private final UninstallOptions options;
    private final HostPaths paths;
    private final HostGate gate;
    private final K0sCli k0s;
    private final Mounts mounts;
    private final Consumer<String> out;

    public Uninstaller(UninstallOptions options, K0sCli k0s, Mounts mounts, Consumer<String> out) {
        this.options = options;
        this.paths = new HostPaths(options.root(), options.stateDir());
        this.out = out;
        this.gate = new HostGate(options.dryRun(), line -> out.accept("plan: " + line));
        this.k0s = k0s;
        this.mounts = mounts;
    }

    public HostGate gate() {
        return gate;
    }

    public void run() throws IOException {
        Journal journal = Journal.open(paths.stateDir().resolve("uninstall.json"), options.dryRun() || !Files.isDirectory(paths.stateDir()));
        for (String step : STEPS) {
            Journal.UnitRecord done = journal.unit(PHASE, step);
            if (done != null && done.state() == State.SUCCEEDED) {
                out.accept(step + ": done in an earlier run");
                continue;
            }
            String result = switch (step) {
                case "stop-k0s" -> stopK0s();
                case "reset-k0s" -> resetK0s();
                case "remove-files" -> removeFiles();
                case "volume-data" -> volumeData();
                default -> removeStateDir();
            };
            out.accept(step + ": " + result);
            if (!step.equals("state-dir")) {
                journal.unit(PHASE, step, State.SUCCEEDED, result);
            }
        }
    }

    private String stopK0s() throws IOException {
        if (!Files.isRegularFile(k0s.binary()) || k0s.status() == null) {
            return "k0s is not running";
        }
        gate.mutate("k0s stop", k0s::stop);
        return "stopped";
    }

    private String resetK0s() throws IOException {
        if (!Files.isRegularFile(k0s.binary())) {
            return "no k0s binary at " + k0s.binary();
        }
        // k0s reset removes its data dir (etcd, certificates, containerd's images), its network config and its
        // service; it unmounts what kubelet mounted under the data dir. Our volumes live outside it.
        Path config = Files.isRegularFile(paths.k0sConfig()) ? paths.k0sConfig() : null;
        gate.mutate("k0s reset" + (config == null ? "" : " -c " + config), () -> k0s.reset(config));
        return "reset";
    }

    private String removeFiles() throws IOException {
        gate.delete(paths.k0sBinary());
        gate.delete(paths.k0sConfig());
        deleteIfEmpty(paths.k0sConfig().getParent());
        if (options.purgeData()) {
            gate.delete(paths.resolve(HostPaths.TMPFILES_RULE));
            return "removed the k0s binary, the k0s config and the tmpfiles.d rule";
        }
        return "removed the k0s binary and the k0s config; kept " + HostPaths.TMPFILES_RULE + " so the kept data is not cleaned";
    }

    private String volumeData() throws IOException {
        Path volumes = paths.resolve(options.volumesDir());
        if (!options.purgeData()) {
            return "kept " + volumes + " (use --purge-data to delete it)";
        }
        if (!Files.exists(volumes, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return "no data at " + volumes;
        }
        for (Path mp : mounts.under(volumes)) {
            unmount(mp);
        }
        gate.mutate("delete " + volumes + " and everything below it", () -> FileTrees.delete(volumes));
        return "deleted " + volumes;
    }

    /** A busy mount (a process still inside it) is retried, then detached lazily so the purge can go on. */
    private void unmount(Path mountPoint) throws IOException {
        if (options.dryRun()) {
            gate.mutate("umount " + mountPoint + " (retrying, then lazily)", () -> {
            });
            return;
        }
        for (int i = 0; i <= options.busyRetries(); i++) {
            if (mounts.unmount(mountPoint, false)) {
                out.accept("unmounted " + mountPoint);
                return;
            }
            sleep();
        }
        gate.mutate("umount -l " + mountPoint + " (still busy after " + (options.busyRetries() + 1) + " tries)", () -> {
            if (!mounts.unmount(mountPoint, true)) {
                throw new InstallerException("cannot unmount " + mountPoint, "unmount it by hand, then rerun 'infometis uninstall'",
                        ExitCodes.FAILED);
            }
        });
    }

    private String removeStateDir() throws IOException {
        Path state = paths.stateDir();
        if (!Files.exists(state)) {
            return "no state dir";
        }
        gate.mutate("delete " + state + " (journal, preflight results, unpacked bundle)", () -> FileTrees.delete(state));
        return "deleted " + state;
    }

    private void deleteIfEmpty(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (var s = Files.list(dir)) {
                if (s.findAny().isEmpty()) {
                    gate.delete(dir);
                }
            }
        }
    }

    private void sleep() {
        try {
            Thread.sleep(options.busyWait().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InstallerException("uninstall interrupted", "rerun 'infometis uninstall' to resume", ExitCodes.INTERRUPTED);
        }
    }
}
