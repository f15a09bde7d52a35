package io.infometis.installer.iso;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.host.Processes;

/**
 * Builds the installer ISO by running the recipe under {@code iso/} (shipped in the app as resources, so the
 * repo folder and the jar hold the same files). Java only decides what goes in; the shell recipe does the work,
 * so it also runs by hand.
 */
public final class IsoBuilder {
    /** The recipe's files, as resources under {@code iso/}. */
    static final List<String> RECIPE = List.of("build-iso.sh", "init", "udhcpc.script", "grub.cfg");
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(20);

    /**
     * @param installer  the self-contained executable (target/infometis) or a native one; null = this installer
     * @param kernelDeb  a linux-image .deb to use instead of {@code apt-get download linux-image-amd64}; may be null
     * @param kernelArgs extra kernel command-line options baked into the boot entry, e.g. {@code infometis.ip=...}
     */
    public record Request(Path bundle, Path out, Path installer, Path workDir, Path kernelDeb, String kernelArgs) {
    }

    /** The ISO written, and the recipe's own summary line. */
    public record Result(Path iso, long sizeBytes, String summary) {
    }

    public Result build(Request request, Consumer<String> log) {
        if (!Files.isRegularFile(request.bundle())) {
            throw InstallerException.invalidInput("--bundle " + request.bundle() + " is not a file", "pass the bundle file to put on the ISO");
        }
        if (request.kernelDeb() != null && !Files.isRegularFile(request.kernelDeb())) {
            throw InstallerException.invalidInput("--kernel-deb " + request.kernelDeb() + " is not a file", "pass a linux-image-*.deb or leave it out");
        }
        List<String> command = new ArrayList<>();
        try {
            Files.createDirectories(request.workDir());
            Path recipe = extractRecipe(request.workDir().resolve("recipe"));
            command.addAll(List.of("bash", recipe.resolve("build-iso.sh").toString(),
                    "--bundle", request.bundle().toAbsolutePath().toString(),
                    "--out", request.out().toAbsolutePath().toString(),
                    "--work-dir", request.workDir().toAbsolutePath().toString()));
            command.addAll(installerArgs(request.installer() != null ? request.installer() : currentInstaller()));
            if (request.kernelDeb() != null) {
                command.addAll(List.of("--kernel-deb", request.kernelDeb().toAbsolutePath().toString()));
            }
            if (request.kernelArgs() != null && !request.kernelArgs().isBlank()) {
                command.addAll(List.of("--kernel-args", request.kernelArgs().trim()));
            }
            Processes.Result r = Processes.run(command, Map.of(), BUILD_TIMEOUT, null, log);
            if (!r.ok()) {
                throw InstallerException.failed("building the ISO: " + lastLine(r.stderr()),
                        "fix the cause above; the recipe is " + recipe.resolve("build-iso.sh") + " (docs/iso.md)", null);
            }
            Path iso = request.out().toAbsolutePath();
            return new Result(iso, Files.size(iso), lastLine(r.stdout()));
        } catch (IOException e) {
            throw InstallerException.failed("building the ISO: " + e.getMessage(), "check the work dir " + request.workDir(), e);
        }
    }

    /**
     * The executable this runs as: the self-contained one's launcher passes its own path ({@code infometis.executable});
     * a native one is the process's command; run as a jar from target/quarkus-app, the target/infometis beside it.
     */
    static Path currentInstaller() {
        String self = System.getProperty("infometis.executable");
        if (self != null) {
            return Path.of(self);
        }
        if (System.getProperty("org.graalvm.nativeimage.imagecode") != null) {
            return ProcessHandle.current().info().command().map(Path::of)
                    .orElseThrow(() -> InstallerException.invalidInput("cannot tell where this installer's executable is", "pass --installer PATH"));
        }
        for (String entry : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            if (entry.endsWith("quarkus-run.jar")) {
                Path beside = Path.of(entry).toAbsolutePath().getParent().resolveSibling("infometis");
                if (Files.isRegularFile(beside)) {
                    return beside;
                }
            }
        }
        throw InstallerException.invalidInput("this installer does not run as an executable the ISO can carry",
                "pass --installer target/infometis (built by ./mvnw package)");
    }

    /** The ISO carries one runtime recipe: the self-contained executable (or a native one), never a bare app directory. */
    static List<String> installerArgs(Path installer) {
        if (Files.isDirectory(installer)) {
            throw InstallerException.invalidInput("--installer " + installer + " is a directory; the ISO carries the self-contained executable",
                    "pass target/infometis (built by ./mvnw package) or a native executable");
        }
        if (Files.isRegularFile(installer) && Files.isExecutable(installer)) {
            return List.of("--installer", installer.toAbsolutePath().toString());
        }
        throw InstallerException.invalidInput("--installer " + installer + " is not an executable file",
                "pass target/infometis (built by ./mvnw package) or a native executable");
    }

    private static Path extractRecipe(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String name : RECIPE) {
            try (InputStream in = IsoBuilder.class.getResourceAsStream("/iso/" + name)) {
                if (in == null) {
                    throw new InstallerException("the ISO recipe file iso/" + name + " is missing from this build",
                            "rebuild the installer (./mvnw package)", ExitCodes.FAILED);
                }
                Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }

    private static String lastLine(String text) {
        String t = text.strip();
        int nl = t.lastIndexOf('\n');
        return nl < 0 ? t : t.substring(nl + 1);
    }
}
