package io.infometis.installer.cli;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.Callable;

import io.infometis.installer.bundle.BundleSignature;
import io.infometis.installer.host.AtomicFiles;
import io.infometis.installer.host.HostGate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Write an Ed25519 key pair for signing bundles: PREFIX.key (PKCS#8 PEM, 0600) and PREFIX.pub (X.509 PEM).")
public class BundleKeygenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "PREFIX", defaultValue = "infometis-bundle", description = "File name prefix (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Override
    public Integer call() throws Exception {
        if (prefix.isBlank() || prefix.endsWith("/") || Files.isDirectory(Path.of(prefix))) {
            throw InstallerException.invalidInput("--out " + prefix + " is a directory, not a file name prefix",
                    "add a name, e.g. --out " + Path.of(prefix).resolve("infometis-bundle"));
        }
        Path key = Path.of(prefix + ".key");
        Path pub = Path.of(prefix + ".pub");
        Path dir = key.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            // Refused rather than created: a typo in --out should not leave a private key in a surprising place.
            throw InstallerException.invalidInput("--out " + prefix + ": directory " + dir + " does not exist",
                    "create it first (mkdir -p " + dir + ") or choose another --out");
        }
        if (Files.exists(key) || Files.exists(pub)) {
            throw InstallerException.invalidInput(key + " or " + pub + " already exists", "choose another --out PREFIX");
        }
        KeyPair pair = BundleSignature.generate();
        AtomicFiles.write(key.toAbsolutePath(), BundleSignature.pem("PRIVATE KEY", pair.getPrivate().getEncoded()).getBytes(),
                HostGate.perms("0600"));
        AtomicFiles.write(pub.toAbsolutePath(), BundleSignature.pem("PUBLIC KEY", pair.getPublic().getEncoded()).getBytes(),
                HostGate.perms("0644"));
        spec.commandLine().getOut().println("wrote " + key + " (keep it secret) and " + pub + " (give it to verify --public-key)");
        return ExitCodes.DONE;
    }
}
