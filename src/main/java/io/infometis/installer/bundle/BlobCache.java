package io.infometis.installer.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The build's content-addressed cache ({@code ~/.cache/infometis/blobs/sha256/<hex>} by default). A blob lands
 * here only after its bytes matched its digest (temp file, then rename), so a file present with the right size
 * is trusted and an interrupted build resumes without fetching it again.
 */
public final class BlobCache {
    private final Path dir;

    public BlobCache(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir.resolve("sha256"));
    }

    public static Path defaultDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("infometis/blobs");
    }

    public Path path(String digest) {
        String hex = Digests.hexOf(digest);
        if (hex == null) {
            throw new IllegalArgumentException("not a sha256 digest: " + digest);
        }
        return dir.resolve(hex);
    }

    public boolean has(String digest, long size) {
        Path p = path(digest);
        try {
            return Files.isRegularFile(p) && Files.size(p) == size;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stores bytes already known to match {@code digest}. */
    public Path put(String digest, byte[] bytes) throws IOException {
        if (!digest.equals("sha256:" + Digests.sha256(bytes))) {
            throw new IOException("content does not match " + digest);
        }
        Path p = path(digest);
        if (!has(digest, bytes.length)) {
            Path tmp = Files.createTempFile(dir, ".put", ".partial");
            try {
                Files.write(tmp, bytes);
                Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return p;
    }
}
