package io.infometis.installer.cli;

import io.infometis.installer.ExitCodes;
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
    public Integer call() {
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
