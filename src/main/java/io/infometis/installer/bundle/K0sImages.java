package io.infometis.installer.bundle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.infometis.installer.InstallerException;
import io.infometis.installer.host.FileTrees;

/**
 * The images k0s itself runs for the installer's k0s.yaml (pause, the CNI, kube-proxy, CoreDNS …), which the bundle
 * must carry because an air-gapped node can pull nothing. k0s's documented way to list them is
 * {@code k0s airgap list-images --config k0s.yaml}: {@code bundle build} asks the binary it bundles when that binary
 * runs on the build host, and otherwise takes the list pinned per k0s version in the spec ({@code k0s.images}). When
 * both exist they must agree: a pin that drifted from its k0s would ship a bundle whose node never turns Ready.
 * <p>
 * Without {@code --all}: with the installer's config, k0s's {@code --all} adds only the envoy image of node-local
 * load balancing, which this config leaves off (k0s {@code pkg/airgap/images.go}; docs/k0s.md).
 */
public final class K0sImages {
    /** The k0s config the installer writes; the same resource the k0s phase reads ({@code K0sPhase.TEMPLATE}). */
    static final String CONFIG_RESOURCE = "/k0s/k0s.yaml";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** The list and where it came from (said on the build's output). */
    public record Listed(List<String> refs, String source) {
    }

    private K0sImages() {
    }

    /**
     * @param binary the k0s binary going into the bundle, already checked against its sha256
     * @param k0s    the spec's k0s entry: its version and pinned images
     * @param work   a directory for a runnable copy of the binary and the config (cleaned up here)
     */
    public static Listed resolve(Path binary, BundleSpec.K0sSource k0s, Path work) throws IOException {
        List<String> pinned = refs(k0s.images(), "bundle spec k0s.images");
        Path dir = Files.createTempDirectory(work, ".k0s-list-images");
        try {
            Path config = dir.resolve("k0s.yaml");
            Files.write(config, config());
            Path exe = runsHere(binary) ? runnable(binary, dir) : null;
            Ran version = exe == null ? null : run(List.of(exe.toString(), "version"));
            if (version == null) {
                if (pinned.isEmpty()) {
                    throw InstallerException.invalidInput("bundle spec: k0s.images is empty and the k0s binary does not run on"
                            + " this host, so nobody can say which images k0s " + k0s.version() + " needs",
                            "pin the output of 'k0s airgap list-images --config k0s/k0s.yaml' in k0s.images, or build on"
                                    + " a host that runs the k0s binary");
                }
                return new Listed(pinned, "pinned in the spec (k0s " + k0s.version() + " does not run on this host)");
            }
            String ran = version.check("k0s version").trim();
            if (!ran.equals(k0s.version())) {
                throw InstallerException.invalidInput("the k0s binary says it is " + ran + ", the spec says " + k0s.version(),
                        "fix k0s.version or k0s.source in the bundle spec");
            }
            Ran listed = run(List.of(exe.toString(), "airgap", "list-images", "--config", config.toString()));
            List<String> fromK0s = refs(listed == null ? List.of() : listed.check("k0s airgap list-images").lines().toList(),
                    "k0s airgap list-images");
            if (fromK0s.isEmpty()) {
                throw InstallerException.invalidInput("k0s " + k0s.version() + " airgap list-images listed no images",
                        "check the k0s binary in k0s.source");
            }
            if (!pinned.isEmpty()) {
                requireSame(fromK0s, pinned, k0s.version());
            }
            return new Listed(fromK0s, "from 'k0s airgap list-images'" + (pinned.isEmpty() ? "" : ", the same as the spec's pin"));
        } finally {
            FileTrees.delete(dir);
        }
    }

    /** One line naming the difference, both ways; the order k0s prints them in does not matter. */
    static void requireSame(List<String> fromK0s, List<String> pinned, String version) {
        Set<String> notPinned = new LinkedHashSet<>(fromK0s);
        pinned.forEach(notPinned::remove);
        Set<String> notListed = new LinkedHashSet<>(pinned);
        fromK0s.forEach(notListed::remove);
        if (notPinned.isEmpty() && notListed.isEmpty()) {
            return;
        }
        List<String> parts = new ArrayList<>();
        if (!notPinned.isEmpty()) {
            parts.add("k0s lists " + String.join(", ", notPinned) + " which the spec does not pin");
        }
        if (!notListed.isEmpty()) {
            parts.add("the spec pins " + String.join(", ", notListed) + " which k0s does not list");
        }
        throw InstallerException.invalidInput("k0s " + version + " images differ from bundle spec k0s.images: "
                + String.join("; ", parts), "set k0s.images to what 'k0s airgap list-images --config k0s/k0s.yaml' prints");
    }

    /** The installer's k0s.yaml, as packaged. */
    static byte[] config() throws IOException {
        try (InputStream in = K0sImages.class.getResourceAsStream(CONFIG_RESOURCE)) {
            if (in == null) {
                throw new IOException("resource " + CONFIG_RESOURCE + " is missing from the installer");
            }
            return in.readAllBytes();
        }
    }

    /** Every line a fully qualified ref, no duplicates; blank lines are skipped. */
    private static List<String> refs(List<String> lines, String from) {
        Set<String> refs = new LinkedHashSet<>();
        for (String line : lines) {
            String ref = line.strip();
            if (ref.isEmpty()) {
                continue;
            }
            try {
                ImageRef.parse(ref);
            } catch (InstallerException e) {
                throw InstallerException.invalidInput(from + ": '" + abbreviate(ref) + "' is not a fully qualified image ref",
                        "expected one registry/repository:tag per line");
            }
            if (!refs.add(ref)) {
                throw InstallerException.invalidInput(from + ": " + ref + " is listed twice", "list each image once");
            }
        }
        return List.copyOf(refs);
    }

    /**
     * Whether this host can execute the file: an ELF for this CPU on Linux, or a script. Trying is not enough: when
     * execve answers ENOEXEC (an ELF for another CPU), the JDK's launcher, like execvp, hands the file to /bin/sh,
     * which "runs" it and fails, and that must not read as "k0s failed to list its images".
     */
    static boolean runsHere(Path file) throws IOException {
        byte[] head = new byte[20];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 2 && head[0] == '#' && head[1] == '!') {
            return true;
        }
        if (n < 20 || head[0] != 0x7f || head[1] != 'E' || head[2] != 'L' || head[3] != 'F'
                || !System.getProperty("os.name").equals("Linux")) {
            return false;
        }
        int machine = (head[18] & 0xff) | (head[19] & 0xff) << 8; // e_machine, little-endian (x86-64 and arm64 are)
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> head[4] == 2 && machine == 62; // ELFCLASS64, EM_X86_64
            case "aarch64", "arm64" -> head[4] == 2 && machine == 183; // ELFCLASS64, EM_AARCH64
            default -> false;
        };
    }

    /** The binary itself when it is executable, else an executable copy (the blob cache stores files 0644). */
    private static Path runnable(Path binary, Path dir) throws IOException {
        if (Files.isExecutable(binary)) {
            return binary;
        }
        Path copy = dir.resolve("k0s");
        Files.copy(binary, copy, StandardCopyOption.REPLACE_EXISTING);
        copy.toFile().setExecutable(true, true);
        return copy;
    }

    private record Ran(List<String> command, int exitCode, String stdout, String stderr) {
        String check(String what) {
            if (exitCode != 0) {
                List<String> err = (stderr.isBlank() ? stdout : stderr).strip().lines().toList();
                throw InstallerException.invalidInput(what + " exited " + exitCode + ": "
                        + abbreviate(err.isEmpty() ? "(no output)" : err.get(err.size() - 1)),
                        "check that k0s.source is k0s for this platform and that k0s/k0s.yaml is valid");
            }
            return stdout;
        }
    }

    /** Runs the command, or returns null when it cannot start (e.g. the file system is mounted noexec). */
    private static Ran run(List<String> command) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread outPump = pump(p.getInputStream(), out);
        Thread errPump = pump(p.getErrorStream(), err);
        try {
            if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw InstallerException.failed(String.join(" ", command) + ": no answer within " + TIMEOUT.toSeconds() + " s",
                        "run it by hand to see why", null);
            }
            outPump.join(5000);
            errPump.join(5000);
            return new Ran(command, p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Reads a child's stream to its end (at most 1 MiB kept: k0s prints a dozen lines). */
    private static Thread pump(InputStream in, ByteArrayOutputStream sink) {
        Thread t = new Thread(() -> {
            try (in) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) > 0;) {
                    if (sink.size() < (1 << 20)) {
                        sink.write(buf, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // the exit code says what matters
            }
        }, "k0s-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String abbreviate(String s) {
        String one = s.replaceAll("\\s+", " ");
        return one.length() > 200 ? one.substring(0, 200) + "…" : one;
    }
}
