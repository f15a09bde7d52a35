package io.infometis.installer.bundle;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PublicKey;

import io.infometis.installer.host.HostGate;

/**
 * A real bundle file. {@link #manifest()} reads only the first tar entry (bundle.json) and, when a public key is
 * given, the signature after it; {@link #verify()} reads the whole file, read-only; {@link #directory()} verifies
 * and unpacks it into {@code <stateDir>/bundle} once, through the host gate (a dry run unpacks nothing).
 */
public final class BundleFile implements InstallBundle {
    private final Path file;
    private final Path target;
    private final HostGate gate;
    private final BundleLimits limits;
    private final PublicKey publicKey;
    private byte[] manifestBytes;
    private BundleManifest manifest;
    private volatile boolean unpackedHere;

    public BundleFile(Path file, Path stateDir, HostGate gate, BundleLimits limits, PublicKey publicKey) {
        this.file = file.toAbsolutePath().normalize();
        this.target = stateDir.resolve("bundle");
        this.gate = gate;
        this.limits = limits;
        this.publicKey = publicKey;
    }

    public BundleFile(Path file, Path stateDir, HostGate gate) {
        this(file, stateDir, gate, BundleLimits.DEFAULT, null);
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized BundleManifest manifest() {
        if (manifest == null) {
            try (BundleReader reader = new BundleReader(file, limits)) {
                BundleReader.Entry first = reader.next();
                if (first == null || !first.name().equals(BundleEntries.MANIFEST)) {
                    throw new BundleDefect(first == null ? "(empty archive)" : first.name(), "the first entry must be bundle.json");
                }
                if (first.size() > limits.maxMetadataBytes()) {
                    throw new BundleDefect(first.name(), "larger than the metadata limit");
                }
                byte[] bytes = first.data().readAllBytes();
                BundleManifest parsed = BundleVerifier.parseManifest(bytes);
                if (publicKey != null) {
                    // Cheap (two small entries), and true even when a rerun skips preflight's full verify.
                    new BundleVerifier(limits, publicKey).checkSignature(reader.next(), bytes);
                }
                manifest = parsed;
                manifestBytes = bytes;
            } catch (IOException e) {
                throw new BundleDefect("(file)", "unreadable " + file + " (" + e.getMessage() + ")");
            }
        }
        return manifest;
    }

    @Override
    public String digest() {
        manifest();
        return "sha256:" + Digests.sha256(manifestBytes);
    }

    @Override
    public boolean hasFiles() {
        return true;
    }

    /** Reads the whole file once and checks everything; throws a {@link BundleDefect} (exit 2) on the first defect. */
    @Override
    public void verify() throws IOException {
        BundleVerifier.Verified v = new BundleVerifier(limits, publicKey).verify(file);
        if (!("sha256:" + v.manifestSha256()).equals(digest())) {
            throw new BundleDefect(BundleEntries.MANIFEST, "changed while the installer was reading the file");
        }
    }

    @Override
    public Path directory() throws IOException {
        String want = digest();
        if (!want.equals(BundleExtractor.unpackedDigest(target))) {
            gate.mutate("verify and unpack bundle " + file + " into " + target, () -> {
                BundleVerifier.Verified v;
                try {
                    v = BundleExtractor.extract(file, target, limits, publicKey);
                } catch (IOException e) {
                    if (io.infometis.installer.NoSpace.is(e)) {
                        throw io.infometis.installer.NoSpace.at("unpacking the bundle into", target, e);
                    }
                    throw e;
                }
                if (!("sha256:" + v.manifestSha256()).equals(want)) {
                    throw new BundleDefect(BundleEntries.MANIFEST, "changed while the installer was reading the file");
                }
                unpackedHere = true;
            });
        }
        return target;
    }

    @Override
    public boolean unpackedAndVerifiedByThisProcess() {
        return unpackedHere;
    }
}
