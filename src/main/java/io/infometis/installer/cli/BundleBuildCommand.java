package io.infometis.installer.cli;

import io.infometis.installer.ExitCodes;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import io.infometis.installer.bundle.BlobCache;
import io.infometis.installer.bundle.BundleBuilder;
import io.infometis.installer.bundle.RegistryMirrors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "build", mixinStandardHelpOptions = true,
        description = "Build the bundle on a connected machine: copy k0s and every image of the spec, byte for byte.")
public class BundleBuildCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    VerboseMixin verbose;

    @Option(names = "--spec", paramLabel = "FILE", defaultValue = "bundle/bundle.yaml", description = "The bundle spec (default: ${DEFAULT-VALUE}).")
    Path specFile;
    @Option(names = "--out", paramLabel = "FILE", required = true, description = "The bundle file to write, e.g. infometis-bundle.tar.")
    Path out;
    @Option(names = "--signing-key", paramLabel = "FILE", description = "Ed25519 private key (PKCS#8 PEM) to sign bundle.json with.")
    Path signingKey;
    @Option(names = "--platform", paramLabel = "OS/ARCH", description = "Platform to keep from multi-arch images (default: linux/amd64). Repeatable.")
    List<String> platforms;
    @Option(names = "--insecure-registry", paramLabel = "HOST:PORT", description = "Allow plain HTTP for this registry. Repeatable.")
    List<String> insecure;
    @Option(names = "--mirror", paramLabel = "REGISTRY=MIRROR", description = "Fetch REGISTRY's images (e.g. quay.io, docker.io) from MIRROR (host[:port]), named by their canonical refs. Repeatable.")
    List<String> mirrors;
    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Blob cache; an interrupted build resumes from it (default: ~/.cache/infometis/blobs).")
    Path cacheDir;
    @Option(names = "--jobs", paramLabel = "N", defaultValue = "4", description = "Blobs fetched at once (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Override
    public Integer call() throws Exception {
        RegistryMirrors mirrorMap = RegistryMirrors.parse(mirrors);
        new BundleBuilder().build(new BundleBuilder.Options(specFile, out, signingKey, platforms == null ? List.of() : platforms,
                insecure == null ? Set.of() : Set.copyOf(insecure), cacheDir == null ? BlobCache.defaultDir() : cacheDir, jobs,
                mirrorMap),
                spec.commandLine().getOut(), System.console() != null);
        return ExitCodes.DONE;
    }
}
