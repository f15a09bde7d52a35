package io.infometis.installer.bundle;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.Map;

/**
 * The repository's {@code bundle/bundle.yaml} and {@code bundle/manifests/}, shipped inside the application as
 * resources under {@value #RESOURCE_DIR} (pom.xml), so {@code install --dry-run} run anywhere has a plan to read.
 * Returned as a {@link Path} (a file on the class path in tests, a path inside the jar otherwise), so the spec
 * reader and the stack phase's dry run read it like any spec folder.
 */
public final class BuiltInSpec {
    static final String RESOURCE_DIR = "/default-bundle";

    private BuiltInSpec() {
    }

    /** The built-in {@code bundle.yaml}, or null when this build does not carry one. */
    public static Path path() {
        URL url = BuiltInSpec.class.getResource(RESOURCE_DIR + "/bundle.yaml");
        if (url == null) {
            return null;
        }
        try {
            URI uri = url.toURI();
            if ("file".equals(uri.getScheme())) {
                return Path.of(uri);
            }
            try {
                return Path.of(uri);
            } catch (FileSystemNotFoundException notOpenYet) {
                try {
                    FileSystems.newFileSystem(uri, Map.of());
                } catch (FileSystemAlreadyExistsException raced) {
                    // another thread opened it first
                }
                return Path.of(uri);
            }
        } catch (URISyntaxException | IOException | RuntimeException e) {
            return null;
        }
    }
}
