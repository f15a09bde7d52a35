package io.infometis.installer.cli;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import java.nio.file.Files;
import java.util.regex.Pattern;

import io.infometis.installer.bundle.BundleInspection;
import io.infometis.installer.bundle.BundleLimits;
import io.infometis.installer.bundle.BundleLocator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.infometis.installer.iso.IsoBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "build", mixinStandardHelpOptions = true,
        description = "Build a hybrid BIOS/UEFI ISO that installs the bundle unattended and serves progress on port 9090.")
public class IsoBuildCommand implements Callable<Integer> {
    /** What build-iso.sh substitutes into grub.cfg: no quotes, no shell or sed metacharacters, no newline. */
    private static final Pattern KERNEL_ARGS = Pattern.compile("[A-Za-z0-9 .,/:=_+-]{0,512}");

    @Spec
    CommandSpec spec;
    @Mixin
    VerboseMixin verbose;

    @Option(names = "--bundle", required = true, paramLabel = "FILE", description = "The air-gap bundle to put on the ISO.")
    Path bundle;
    @Option(names = "--out", paramLabel = "FILE", description = "The ISO to write (default: ${DEFAULT-VALUE}).", defaultValue = "infometis-installer.iso")
    Path out;
    @Option(names = "--installer", paramLabel = "PATH", description = "The executable to put on the ISO: target/infometis or a native one (default: this installer).")
    Path installer;
    @Option(names = "--work-dir", paramLabel = "DIR", description = "Build and download cache (default: ${DEFAULT-VALUE}).", defaultValue = "${sys:user.home}/.cache/infometis/iso")
    Path workDir;
    @Option(names = "--kernel-deb", paramLabel = "FILE", description = "Use this linux-image .deb instead of downloading linux-image-amd64.")
    Path kernelDeb;
    @Option(names = "--kernel-args", paramLabel = "ARGS", description = "Kernel command-line options baked into the ISO, e.g. \"infometis.ip=10.0.0.5/24,10.0.0.1\".")
    String kernelArgs;

    @Override
    public Integer call() throws Exception {
        BundleLocator.requireBundleFile(bundle, "--bundle");
        // The ISO installs unattended: a file that is not a bundle is refused here, not at the server's first boot.
        BundleInspection.of(bundle, BundleLimits.DEFAULT);
        if (kernelArgs != null && !KERNEL_ARGS.matcher(kernelArgs).matches()) {
            throw InstallerException.invalidInput("--kernel-args holds characters a kernel command line cannot carry here",
                    "use plain options such as infometis.ip=10.0.0.5/24,10.0.0.1 (letters, digits, space, . , / : = _ - +)");
        }
        if (kernelDeb != null && !Files.isRegularFile(kernelDeb)) {
            throw InstallerException.invalidInput("--kernel-deb " + kernelDeb + " is not a file", "pass a linux-image-*.deb or leave it out");
        }
        if (Files.exists(workDir) && !Files.isDirectory(workDir)) {
            throw InstallerException.invalidInput("--work-dir " + workDir + " is not a directory", "name a directory (it is created when missing)");
        }
        if (installer != null && !Files.exists(installer)) {
            throw InstallerException.invalidInput("--installer " + installer + " not found", "pass a native executable or a Quarkus app directory");
        }
        Path outDir = out.toAbsolutePath().getParent();
        if (Files.isDirectory(out) || !Files.isDirectory(outDir)) {
            throw InstallerException.invalidInput("--out " + out + (Files.isDirectory(out) ? " is a directory" : ": directory " + outDir + " does not exist"),
                    "name the ISO file in an existing directory");
        }
        PrintWriter console = spec.commandLine().getOut();
        var request = new IsoBuilder.Request(bundle, out, installer, workDir, kernelDeb, kernelArgs);
        var result = new IsoBuilder().build(request, verbose.verbose() ? line -> {
            console.println(line);
            console.flush();
        } : line -> { });
        console.println("ISO written: " + result.iso() + " (" + (result.sizeBytes() >> 20) + " MiB)");
        console.println("Boot it from USB or virtual media; watch with: infometis status --url http://<server>:9090 --watch");
        return ExitCodes.DONE;
    }
}
