package io.infometis.installer.bundle;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.infometis.installer.InstallerException;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.install.InstallOptions;

/**
 * Finds the bundle an install uses, in this order: {@code --bundle FILE}; {@code infometis-bundle.tar*} next to
 * the binary (or the jar); the ISO's bundle at {@value #ISO_BUNDLE} (under {@code --root}); and for a dry run
 * only, the plan read from the bundle spec.
 */
public final class BundleLocator {
    public static final Path DEFAULT_SPEC = Path.of("bundle/bundle.yaml");
    public static final String ISO_BUNDLE = "/run/infometis/iso/infometis-bundle.tar";
    static final String GLOB = "infometis-bundle.tar*";

    private BundleLocator() {
    }

    public static InstallBundle resolve(InstallOptions options, HostPaths paths, HostGate gate) {
        return resolve(options, paths, gate, binaryDirs(), null);
    }

    /**
     * With a public key, the bundle file must be signed by it: its signature is checked here, before anything
     * changes (a {@link BundleDefect}, exit 2, when it is unsigned or signed by another key), and preflight's
     * bundle check verifies the whole chain. A dry run that plans from the spec has no file to check.
     */
    public static InstallBundle resolve(InstallOptions options, HostPaths paths, HostGate gate, PublicKey publicKey) {
        return resolve(options, paths, gate, binaryDirs(), publicKey);
    }

    /**
     * The bundle under a trust policy: the policy reads bundle.json and its signature and decides (refusing with
     * exit 2) before anything changes; the full verification then checks the signature again when it verified.
     */
    public static InstallBundle resolve(InstallOptions options, HostPaths paths, HostGate gate, TrustPolicy trust) {
        Path file = bundleFile(options, paths, binaryDirs());
        if (file == null) {
            return resolve(options, paths, gate, binaryDirs(), null);
        }
        TrustPolicy.Verdict verdict = trust.assess(file);
        BundleFile bundle = new BundleFile(file, paths.stateDir(), gate, BundleLimits.DEFAULT, verdict.verifierKey());
        bundle.manifest();
        return new TrustedBundle(bundle, verdict);
    }

    static InstallBundle resolve(InstallOptions options, HostPaths paths, HostGate gate, List<Path> binaryDirs) {
        return resolve(options, paths, gate, binaryDirs, null);
    }

    static InstallBundle resolve(InstallOptions options, HostPaths paths, HostGate gate, List<Path> binaryDirs,
            PublicKey publicKey) {
        Path file = bundleFile(options, paths, binaryDirs);
        if (file != null) {
            BundleFile bundle = new BundleFile(file, paths.stateDir(), gate, BundleLimits.DEFAULT, publicKey);
            if (publicKey != null) {
                bundle.manifest();
            }
            return bundle;
        }
        Path spec = options.spec() != null ? options.spec() : DEFAULT_SPEC;
        if (options.dryRun() && Files.exists(spec)) {
            return new SpecPlan(BundleSpec.read(spec), "linux/amd64");
        }
        throw InstallerException.invalidInput("no bundle found (no --bundle, no " + GLOB + " next to the binary, no "
                + paths.resolve(ISO_BUNDLE) + ")", "pass --bundle FILE");
    }

    /** {@code --bundle}, else the one beside the binary, else the ISO's; null when there is none. */
    private static Path bundleFile(InstallOptions options, HostPaths paths, List<Path> binaryDirs) {
        if (options.bundle() != null) {
            requireBundleFile(options.bundle(), "--bundle");
            return options.bundle();
        }
        for (Path dir : binaryDirs) {
            Optional<Path> beside = besideBinary(dir);
            if (beside.isPresent()) {
                return beside.get();
            }
        }
        Path iso = paths.resolve(ISO_BUNDLE);
        return Files.isRegularFile(iso) ? iso : null;
    }

    /**
     * A bundle named on the command line must be a regular file: a directory, a device or a missing path each get
     * their own one-line refusal (exit 2) instead of "not found" or a read of {@code /dev/zero}.
     */
    public static void requireBundleFile(Path file, String flag) {
        if (Files.isDirectory(file)) {
            throw InstallerException.invalidInput(flag + " " + file + " is a directory, not a bundle file",
                    "pass the bundle file itself (e.g. " + file.resolve("infometis-bundle.tar") + ")");
        }
        if (!Files.exists(file)) {
            throw InstallerException.invalidInput(flag + " " + file + " not found", "check the path");
        }
        if (!Files.isRegularFile(file)) {
            throw InstallerException.invalidInput(flag + " " + file + " is not a regular file (a device, fifo or socket)",
                    "pass the bundle file");
        }
    }

    private static Optional<Path> besideBinary(Path dir) {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, GLOB)) {
            for (Path p : ds) {
                if (Files.isRegularFile(p)) {
                    found.add(p);
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        if (found.size() > 1) {
            throw InstallerException.invalidInput("several bundles next to the binary: " + found, "pass --bundle FILE");
        }
        return found.stream().findFirst();
    }

    /** Where the running program lives: the native binary's folder, or the folder of the jar run with -jar. */
    static List<Path> binaryDirs() {
        List<Path> dirs = new ArrayList<>();
        ProcessHandle.current().info().command().map(Path::of).ifPresent(cmd -> {
            if (!cmd.getFileName().toString().equals("java") && cmd.getParent() != null) {
                dirs.add(cmd.getParent());
            }
        });
        String cp = System.getProperty("java.class.path", "");
        if (cp.endsWith(".jar") && !cp.contains(java.io.File.pathSeparator)) {
            Path jarDir = Path.of(cp).toAbsolutePath().getParent();
            if (jarDir != null && !jarDir.toString().contains("surefire")) {
                dirs.add(jarDir);
            }
        }
        return dirs;
    }
}
