package io.infometis.installer.bundle;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;

import io.infometis.installer.host.AtomicFiles;
import io.infometis.installer.host.FileTrees;
import io.infometis.installer.host.HostGate;

/**
 * Unpacks a bundle while verifying it: into a fresh temp dir beside the target, and only a bundle that passed
 * every check is renamed into place, with a marker holding bundle.json's sha256 so a rerun skips the work.
 * Nothing is written through a symlink: files are created with O_EXCL in directories this class made, and an
 * existing target (or a symlink in its place) is renamed aside, never followed.
 */
public final class BundleExtractor {
    /** Inside the unpacked dir: {@code sha256:<bundle.json sha256>} of the bundle it holds. */
    public static final String MARKER = ".infometis-bundle";

    private BundleExtractor() {
    }

    /** The digest of the bundle unpacked at {@code target}, or null when there is none (or it is not a plain dir). */
    public static String unpackedDigest(Path target) {
        try {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            Path marker = target.resolve(MARKER);
            if (!Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
            return Files.readString(marker, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return null;
        }
    }

    public static BundleVerifier.Verified extract(Path bundle, Path target, BundleLimits limits, PublicKey key)
            throws IOException {
        Path parent = target.toAbsolutePath().normalize().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, ".bundle-unpack-");
        try {
            BundleVerifier.Verified v = new BundleVerifier(limits, key).verify(bundle, (name, size, mode) -> create(tmp, name, mode));
            AtomicFiles.write(tmp.resolve(MARKER), ("sha256:" + v.manifestSha256() + "\n").getBytes(StandardCharsets.US_ASCII),
                    HostGate.perms("0644"));
            Path old = null;
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                old = parent.resolve(".bundle-old-" + System.nanoTime());
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            if (old != null) {
                FileTrees.delete(old);
            }
            return v;
        } finally {
            FileTrees.delete(tmp);
        }
    }

    private static OutputStream create(Path root, String name, int mode) throws IOException {
        Path file = root.resolve(name).normalize();
        if (!file.startsWith(root) || file.equals(root)) {
            throw new BundleDefect(name, "escapes the target directory");
        }
        Path dir = root;
        for (Path seg : root.relativize(file.getParent() == null ? root : file.getParent())) {
            dir = dir.resolve(seg);
            if (Files.isSymbolicLink(dir)) {
                throw new BundleDefect(name, "a symlink sits at " + dir);
            }
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(dir);
            }
        }
        // CREATE_NEW is O_CREAT|O_EXCL: it fails on an existing file and never follows a symlink.
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Files.setPosixFilePermissions(file, HostGate.perms((mode & 0100) != 0 ? "0755" : "0644"));
        // Each file reaches the disk before the marker does: after a power cut (the ISO's VM stopped hard) the marker
        // and the rename had survived but k0s was an empty file, and a resumed install took it for the bundle's.
        return new FilterOutputStream(Channels.newOutputStream(channel)) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                try {
                    channel.force(true);
                } finally {
                    super.close();
                }
            }
        };
    }
}
