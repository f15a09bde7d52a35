package io.infometis.installer.bundle;

/**
 * What the safe reader accepts at most. The defaults fit the InfoMetis stack (about 6 GB of images) with room
 * to spare; tests pass small limits to prove the refusals.
 *
 * @param maxTotalBytes   sum of all entry sizes (and of decompressed bytes for a gzip'd bundle)
 * @param maxEntries      number of entries
 * @param maxMetadataBytes size of bundle.json, checksums.txt, index.json and every manifest/config kept in memory
 * @param maxRatio        decompressed/compressed ratio tolerated once past 64 MiB (gzip input only)
 * @param maxDepth        OCI nesting: index.json (1) → index (2) → manifest (3) → config and layers (4); real images
 *                        need 4, a nested index one or two more
 */
public record BundleLimits(long maxTotalBytes, int maxEntries, long maxMetadataBytes, int maxRatio, int maxDepth) {
    public static final BundleLimits DEFAULT = new BundleLimits(64L << 30, 200_000, 64L << 20, 100, 8);

    public BundleLimits withMaxTotalBytes(long bytes) {
        return new BundleLimits(bytes, maxEntries, maxMetadataBytes, maxRatio, maxDepth);
    }

    public BundleLimits withMaxMetadataBytes(long bytes) {
        return new BundleLimits(maxTotalBytes, maxEntries, bytes, maxRatio, maxDepth);
    }
}
