package io.infometis.installer.install;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;

/**
 * One installer per host (per {@code --root}). An OS file lock, so a {@code kill -9}'d holder releases it
 * with its process; the file names the holder's pid for the message the second installer prints.
 */
public final class InstallLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private InstallLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static InstallLock acquire(Path lockFile) {
        try {
            Files.createDirectories(lockFile.getParent());
            // O_NOFOLLOW: a symlink planted at the lock's name is refused (ELOOP), never written through; and the file
            // opened must be a plain file, so a planted fifo or device is refused too.
            FileChannel ch;
            try {
                ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                // The JDK reports O_NOFOLLOW's ELOOP as a plain IOException.
                if (Files.isSymbolicLink(lockFile)) {
                    throw new InstallerException("the install lock " + lockFile + " is a symbolic link",
                            "remove it (it may have been planted) and rerun", ExitCodes.FAILED, e);
                }
                throw e;
            }
            if (!Files.isRegularFile(lockFile, LinkOption.NOFOLLOW_LINKS)) {
                ch.close();
                throw new InstallerException("the install lock " + lockFile + " is not a regular file",
                        "remove it and rerun", ExitCodes.FAILED);
            }
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                String holder = readHolder(ch);
                ch.close();
                throw new InstallerException("another installer is running (pid " + holder + ", lock " + lockFile + ")",
                        "wait for it to finish, or stop it and rerun; this install resumes", ExitCodes.LOCKED);
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(true);
            return new InstallLock(ch, l);
        } catch (IOException e) {
            throw new InstallerException("taking the install lock " + lockFile + ": " + e.getMessage(),
                    "check that the directory is writable (run as root or use --root)", ExitCodes.FAILED, e);
        }
    }

    private static String readHolder(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(32);
        ch.read(buf, 0);
        String pid = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).trim();
        return pid.isEmpty() ? "unknown" : pid;
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // The OS drops the lock with the process anyway.
        }
    }
}
