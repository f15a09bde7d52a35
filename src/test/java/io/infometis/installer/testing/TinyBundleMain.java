package io.infometis.installer.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes {@link TestBundles#tiny} under the given directory and prints the bundle's path: a real, verifiable bundle
 * for benchmarks that need one without a registry (bench/iso-boot.sh; {@code iso build} verifies its bundle).
 */
public final class TinyBundleMain {
    private TinyBundleMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: TinyBundleMain DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        if (Files.exists(dir)) {
            System.err.println("TinyBundleMain: " + dir + " exists; pass a new directory");
            System.exit(2);
        }
        System.out.println(TestBundles.tiny(dir));
    }
}
