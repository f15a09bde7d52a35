package io.infometis.installer.bundle;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The bundle as the install phases see it: its manifest, and its unpacked files.
 * A plan-only bundle (a dry run with no bundle file) has a manifest read from the spec and no files.
 */
public interface InstallBundle {

    BundleManifest manifest();

    /** Identity of the bundle for the journal, e.g. {@code sha256:<bundle.json digest>}; null for a plan. */
    String digest();

    /** False for the plan a dry run reads from {@code bundle/bundle.yaml}: there are no files to read. */
    boolean hasFiles();

    /**
     * Reads the whole bundle, read-only, and throws a {@link BundleDefect} (exit 2) at its first defect. A plan has
     * no files, so there is nothing to check.
     */
    default void verify() throws IOException {
    }

    /**
     * The unpacked bundle directory ({@code bundle.json}, {@code images/} OCI layout, {@code k0s/}, {@code manifests/}).
     * Unpacks on first use, after verifying, through the dry-run gate.
     */
    Path directory() throws IOException;

    /**
     * True once this process has unpacked {@link #directory()} itself, every file checked against checksums.txt as it
     * was written: the images phase then streams the layers without hashing them again. A directory an earlier run
     * unpacked (a resumed install) may have changed since, so it is false there and the layers are hashed as they
     * stream.
     */
    default boolean unpackedAndVerifiedByThisProcess() {
        return false;
    }

    /** The bundle file, when there is one (a plan has none). */
    default Path file() {
        return null;
    }

    /** What the trust policy decided when install opened the file; null when it was not asked (a plan, a test). */
    default TrustPolicy.Verdict trust() {
        return null;
    }
}
