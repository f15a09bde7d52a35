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

import io.infometis.installer.cli.InstallerException;

/**
 * The stack's components as the manifest folders name them: {@code manifests/NN-name/*.yaml}, applied in the
 * order of {@code NN}. The folder names are the one place the dependency order is written down.
 */
public final class ManifestFolders {
    private static final Pattern FOLDER = Pattern.compile("(\\d+)-([a-z0-9][a-z0-9-]*)");

    private ManifestFolders() {
    }

    /**
     * One component per {@code NN-name} folder, ordered by {@code NN}; manifests are the folder's {@code .yaml}
     * and {@code .yml} files, sorted, as paths relative to the bundle root ({@code manifests/NN-name/x.yaml}).
     */
    public static List<BundleManifest.Component> components(Path manifestsDir) {
        List<BundleManifest.Component> out = new ArrayList<>();
        try (Stream<Path> folders = Files.list(manifestsDir)) {
            for (Path folder : folders.filter(Files::isDirectory).toList()) {
                Matcher m = FOLDER.matcher(folder.getFileName().toString());
                if (!m.matches()) {
                    throw InstallerException.invalidInput("manifest folder " + folder + " is not named NN-name",
                            "rename it, e.g. 20-kafka: the number gives the apply order");
                }
                List<String> files;
                try (Stream<Path> s = Files.list(folder)) {
                    files = s.filter(Files::isRegularFile)
                            .map(p -> p.getFileName().toString())
                            .filter(n -> n.endsWith(".yaml") || n.endsWith(".yml"))
                            .sorted()
                            .map(n -> "manifests/" + folder.getFileName() + "/" + n)
                            .toList();
                }
                out.add(new BundleManifest.Component(m.group(2), Integer.parseInt(m.group(1)), files));
            }
        } catch (IOException e) {
            throw InstallerException.invalidInput("reading manifest folders in " + manifestsDir + ": " + e.getMessage(),
                    "check the bundle's manifests/ directory");
        }
        out.sort(Comparator.comparingInt(BundleManifest.Component::order).thenComparing(BundleManifest.Component::name));
        for (int i = 1; i < out.size(); i++) {
            if (out.get(i).order() == out.get(i - 1).order()) {
                throw InstallerException.invalidInput("manifest folders " + out.get(i - 1).name() + " and "
                        + out.get(i).name() + " share the order " + out.get(i).order(),
                        "give each folder its own number: the order must be explicit");
            }
        }
        return List.copyOf(out);
    }
}
