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
     * @param installer  a Quarkus app directory (holding quarkus-run.jar) or a native executable; null = this installer
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

    /** The native executable when this runs as one, else the Quarkus app directory this jar was started from. */
    static Path currentInstaller() {
        if (System.getProperty("org.graalvm.nativeimage.imagecode") != null) {
            return ProcessHandle.current().info().command().map(Path::of)
                    .orElseThrow(() -> InstallerException.invalidInput("cannot tell where this installer's executable is", "pass --installer PATH"));
        }
        for (String entry : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            if (entry.endsWith("quarkus-run.jar")) {
                return Path.of(entry).toAbsolutePath().getParent();
            }
        }
        throw InstallerException.invalidInput("this installer was not started from a Quarkus app directory",
                "pass --installer target/quarkus-app (or a native executable)");
    }

    static List<String> installerArgs(Path installer) {
        if (Files.isRegularFile(installer.resolve("quarkus-run.jar"))) {
            List<String> args = new ArrayList<>(List.of("--app", installer.toAbsolutePath().toString()));
            Path javaHome = Path.of(System.getProperty("java.home"));
            if (Files.isDirectory(javaHome.resolve("jmods"))) {
                args.addAll(List.of("--jdk", javaHome.toString()));
            }
            return args;
        }
        if (Files.isRegularFile(installer) && Files.isExecutable(installer)) {
            return List.of("--native", installer.toAbsolutePath().toString());
        }
        throw InstallerException.invalidInput("--installer " + installer + " is neither a Quarkus app directory nor an executable",
                "pass target/quarkus-app or the native executable built with -Dnative");
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
