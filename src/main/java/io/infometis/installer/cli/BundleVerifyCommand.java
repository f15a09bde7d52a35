package io.infometis.installer.cli;

import io.infometis.installer.ExitCodes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.infometis.installer.bundle.BundleLimits;
import io.infometis.installer.bundle.BundleLocator;
import io.infometis.installer.bundle.TrustPolicy;
import io.infometis.installer.bundle.BundleVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check every checksum, the aggregate, the signature and the OCI layout in one pass. Exit 0 good, 2 bad.")
public class BundleVerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    VerboseMixin verbose;

    @Parameters(paramLabel = "FILE", description = "The bundle file.")
    Path file;
    @Option(names = "--public-key", paramLabel = "FILE", description = "Trusted Ed25519 public key (X.509 PEM), instead of infometis.pub beside the executable or /etc/infometis/trusted.pub: the bundle must be signed by it.")
    Path publicKey;
    @Option(names = "--allow-unsigned", description = "Accept a bundle that is unsigned or not signed by the trusted key (as install --allow-unsigned would).")
    boolean allowUnsigned;

    @Override
    public Integer call() throws Exception {
        BundleLocator.requireBundleFile(file, "bundle");
        long started = System.nanoTime();
        TrustPolicy.Verdict trust = TrustPolicy.forHost(publicKey, allowUnsigned).assess(file);
        BundleVerifier.Verified v = new BundleVerifier(BundleLimits.DEFAULT, trust.verifierKey()).verify(file);
        double secs = (System.nanoTime() - started) / 1e9;
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%s: good — %s %s, %d images, %s, sha256:%s (%.0f MB in %.1f s, %.0f MB/s)%n", file, v.manifest().name(),
                v.manifest().version(), v.manifest().images().size(), trust.message(),
                v.manifestSha256(), v.totalBytes() / 1e6, secs, v.totalBytes() / 1e6 / Math.max(secs, 1e-3));
        out.flush();
        return ExitCodes.DONE;
    }
}
