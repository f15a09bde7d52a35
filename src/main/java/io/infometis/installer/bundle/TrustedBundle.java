package io.infometis.installer.bundle;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A bundle file together with what the {@link TrustPolicy} decided about it when install opened it, so that
 * preflight can record the verdict and the install can show it. Everything else is the file's.
 */
public final class TrustedBundle implements InstallBundle {
    private final BundleFile file;
    private final TrustPolicy.Verdict trust;

    public TrustedBundle(BundleFile file, TrustPolicy.Verdict trust) {
        this.file = file;
        this.trust = trust;
    }

    @Override
    public TrustPolicy.Verdict trust() {
        return trust;
    }

    @Override
    public Path file() {
        return file.file();
    }

    @Override
    public BundleManifest manifest() {
        return file.manifest();
    }

    @Override
    public String digest() {
        return file.digest();
    }

    @Override
    public boolean hasFiles() {
        return true;
    }

    @Override
    public void verify() throws IOException {
        file.verify();
    }

    @Override
    public Path directory() throws IOException {
        return file.directory();
    }

    @Override
    public boolean unpackedAndVerifiedByThisProcess() {
        return file.unpackedAndVerifiedByThisProcess();
    }
}
