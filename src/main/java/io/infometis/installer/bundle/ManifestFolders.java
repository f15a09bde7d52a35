package io.infometis.installer.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.infometis.installer.InstallerException;

/**
 * The stack's components, read from the manifests folder: one sub-folder per component named {@code NN-name}
 * ({@code 10-traefik}); NN is the apply order, the rest the name, and its {@code *.yaml} files, sorted by name,
 * are its manifests. The order is thus explicit in the folder names, never inferred.
 */
public final class ManifestFolders {
    private static final Pattern FOLDER = Pattern.compile("(\\d+)-([a-z0-9][a-z0-9-]*)");

    private ManifestFolders() {
    }

    /** Components in apply order; manifest paths are as in the bundle ({@code manifests/10-traefik/a.yaml}). */
    public static List<BundleManifest.Component> components(Path manifestsDir) {
        if (manifestsDir == null || !Files.isDirectory(manifestsDir)) {
            return List.of();
        }
        List<BundleManifest.Component> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(manifestsDir)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                String folder = dir.getFileName().toString();
                Matcher m = FOLDER.matcher(folder);
                if (!m.matches()) {
                    throw InstallerException.invalidInput("manifests folder " + dir + " is not named NN-name",
                            "rename it like 10-traefik (NN = apply order)");
                }
                List<String> files;
                try (Stream<Path> yaml = Files.list(dir)) {
                    files = yaml.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(".yaml"))
                            .map(f -> BundleEntries.MANIFESTS + folder + "/" + f.getFileName()).sorted().toList();
                }
                out.add(new BundleManifest.Component(m.group(2), Integer.parseInt(m.group(1)), files));
            }
        } catch (IOException e) {
            throw InstallerException.invalidInput("manifests folder " + manifestsDir + " is unreadable (" + e.getMessage() + ")",
                    "check the path and its permissions");
        }
        out.sort(Comparator.comparingInt(BundleManifest.Component::order).thenComparing(BundleManifest.Component::name));
        return out;
    }
}
