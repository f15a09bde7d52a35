package io.infometis.installer.cli;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import io.infometis.installer.Json;
import io.infometis.installer.bundle.BundleInspection;
import io.infometis.installer.bundle.BundleLimits;
import io.infometis.installer.bundle.BundleLocator;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.HostAccessReport;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "List the images, k0s, components, what the manifests ask of the host, sizes and what deduplication saved (does not verify).")
public class BundleInspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    VerboseMixin verbose;

    @Parameters(paramLabel = "FILE", description = "The bundle file.")
    Path file;
    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    String output;

    @Override
    public Integer call() throws Exception {
        if (!output.equals("text") && !output.equals("json")) {
            throw InstallerException.invalidInput("--output " + output + " is not text or json", "use --output json");
        }
        BundleLocator.requireBundleFile(file, "bundle");
        BundleInspection b = BundleInspection.of(file, BundleLimits.DEFAULT);
        HostAccessReport asks = HostAccessReport.ofBundleFile(file, BundleLimits.DEFAULT);
        PrintWriter out = spec.commandLine().getOut();
        if (output.equals("json")) {
            ObjectNode json = Json.MAPPER.valueToTree(b);
            json.set("hostAccess", Json.MAPPER.valueToTree(asks.findings()));
            out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        } else {
            out.printf("%s %s (format %d, %s, created %s, %s)%n", b.name(), b.version(), b.formatVersion(), b.platform(),
                    b.created(), b.signed() ? "signed" : "unsigned");
            out.printf("k0s %s  sha256:%s%n", b.k0s().version(), b.k0s().sha256());
            // k0s's own images first: the node needs them before anything of the stack can run.
            for (String group : groups(b.images())) {
                List<BundleManifest.Image> images = b.images().stream().filter(i -> group.equals(String.valueOf(i.group()))).toList();
                out.printf("%s images (%d, %s):%n", group, images.size(),
                        mb(images.stream().mapToLong(BundleManifest.Image::size).sum()));
                for (BundleManifest.Image i : images) {
                    out.printf("  %-60s %s %10s%n", i.ref(), i.digest(), mb(i.size()));
                }
            }
            out.println("components:");
            for (BundleManifest.Component c : b.components()) {
                out.printf("  %3d %-20s %d manifests%n", c.order(), c.name(), c.manifests().size());
            }
            out.println("host access (what the manifests ask of the host):" + (asks.isEmpty() ? " none" : ""));
            asks.lines().forEach(l -> out.println("  " + l));
            out.printf("size: file %s, unique blobs %s, images %s, deduplication saved %s%n", mb(b.fileBytes()),
                    mb(b.blobBytes()), mb(b.imageBytes()), mb(b.dedupSavedBytes()));
        }
        out.flush();
        return ExitCodes.DONE;
    }

    /** k0s, stack, then any other group in the order first seen. */
    private static List<String> groups(List<BundleManifest.Image> images) {
        Set<String> groups = new LinkedHashSet<>(List.of(BundleManifest.Image.K0S, BundleManifest.Image.STACK));
        images.forEach(i -> groups.add(String.valueOf(i.group())));
        return groups.stream().filter(g -> images.stream().anyMatch(i -> g.equals(String.valueOf(i.group())))).toList();
    }

    private static String mb(long bytes) {
        return String.format("%.1f MB", bytes / 1e6);
    }
}
