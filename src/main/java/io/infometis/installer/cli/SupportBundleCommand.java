package io.infometis.installer.cli;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.k8s.KubeClients;
import io.infometis.installer.support.HttpProgressSource;
import io.infometis.installer.support.SupportCollector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "support-bundle", mixinStandardHelpOptions = true,
        description = "Write one tar.gz to hand over: journal, preflight, events, host facts, k0s and containerd, pods, "
                + "events, logs of unready containers, ConfigMaps; secrets redacted. Works with the cluster down.")
public class SupportBundleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    VerboseMixin verbose;

    @Mixin
    InstalledHostMixin host;
    @Option(names = "--out", paramLabel = "FILE", description = "The tar.gz to write (default: ./infometis-support-<time>.tar.gz).")
    Path out;
    @Option(names = "--url", paramLabel = "URL", description = "A running installer's progress API, for its events and log (default: ${DEFAULT-VALUE}).", defaultValue = "http://127.0.0.1:9090")
    URI url;
    @Option(names = "--token-file", paramLabel = "FILE", description = "The progress API's bearer token, if it needs one.")
    Path tokenFile;

    @Override
    public Integer call() throws Exception {
        HostPaths paths = host.paths();
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
            throw InstallerException.invalidInput("--url " + url + " is not an http(s) URL", "e.g. --url http://10.0.0.5:9090");
        }
        String name = "infometis-support-" + Instant.now().toString().replace(":", "").replaceAll("\\..*", "");
        Path target = out != null ? out : Path.of(name + ".tar.gz");
        Path dir = target.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw InstallerException.invalidInput("--out " + target + ": " + dir + " is not a directory",
                    "create it, or write the bundle elsewhere");
        }
        String token = tokenFile == null ? null : Files.readString(tokenFile).strip();
        SupportCollector collector = new SupportCollector(paths, new K0sCli(paths.k0sBinary(), Duration.ofSeconds(20)),
                KubeClients.fromKubeconfig(paths.adminKubeconfig()), new HttpProgressSource(url, token));
        // Written beside the target and renamed into place: a cut-off run never leaves a truncated bundle under its name.
        Path partial = Files.createTempFile(dir, ".infometis-support-", ".partial");
        List<String> missing;
        try (OutputStream o = Files.newOutputStream(partial)) {
            missing = collector.writeTo(o, name);
        } catch (Exception e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        PrintWriter pw = spec.commandLine().getOut();
        pw.println("Support bundle written: " + target + " (" + Files.size(target) + " bytes)");
        missing.forEach(m -> pw.println("  not collected: " + m));
        return ExitCodes.DONE;
    }
}
