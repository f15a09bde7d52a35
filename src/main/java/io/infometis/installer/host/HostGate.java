package io.infometis.installer.host;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The one gate every host mutation passes. In a dry run it records what it would do and does nothing,
 * so phases never test {@code dryRun} themselves (k0sctl's "Wet" pattern).
 */
public class HostGate {
    private final boolean dryRun;
    private final List<String> plan = new ArrayList<>();
    private final Consumer<String> planListener;

    public HostGate(boolean dryRun, Consumer<String> planListener) {
        this.dryRun = dryRun;
        this.planListener = planListener == null ? s -> {
        } : planListener;
    }

    public boolean isDryRun() {
        return dryRun;
    }

    /** The actions a dry run would have taken, in order. */
    public synchronized List<String> plan() {
        return List.copyOf(plan);
    }

    /** Runs {@code action} unless this is a dry run; either way the description is recorded. */
    public void mutate(String description, Action action) throws IOException {
        record(description);
        if (!dryRun) {
            action.run();
        }
    }

    public void createDirectories(Path dir, String mode) throws IOException {
        mutate("create directory " + dir + " (" + mode + ")", () -> {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(perms(mode)));
            Files.setPosixFilePermissions(dir, perms(mode));
        });
    }

    /** Writes a file atomically: temp file beside it, fsync, rename. A crash leaves the old file or the new one. */
    public void writeAtomically(Path file, byte[] content, String mode) throws IOException {
        mutate("write " + file + " (" + content.length + " bytes, " + mode + ")", () -> AtomicFiles.write(file, content, perms(mode)));
    }

    /** Copies a file into place atomically with the given mode. */
    public void install(Path source, Path target, String mode) throws IOException {
        mutate("install " + source + " as " + target + " (" + mode + ")", () -> {
            Path dir = target.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            // A fresh, unpredictable temp name (O_EXCL): a leftover or planted ".k0s.tmp" is never written through.
            Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try {
                Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(tmp, perms(mode));
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                AtomicFiles.fsyncDirectory(dir);
            } finally {
                Files.deleteIfExists(tmp);
            }
        });
    }

    public void delete(Path path) throws IOException {
        mutate("delete " + path, () -> Files.deleteIfExists(path));
    }

    private synchronized void record(String description) {
        plan.add(description);
        if (dryRun) {
            planListener.accept(description);
        }
    }

    public static Set<PosixFilePermission> perms(String octal) {
        int m = Integer.parseInt(octal, 8);
        StringBuilder sb = new StringBuilder(9);
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            sb.append((m & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        }
        return PosixFilePermissions.fromString(sb.toString());
    }

    @FunctionalInterface
    public interface Action {
        void run() throws IOException;
    }
}
