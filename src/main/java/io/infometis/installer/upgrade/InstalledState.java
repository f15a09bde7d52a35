package io.infometis.installer.upgrade;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.Json;
import io.infometis.installer.bundle.BundleEntries;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.Digests;
import io.infometis.installer.bundle.ManifestFolders;
import io.infometis.installer.host.AtomicFiles;
import io.infometis.installer.host.FileTrees;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.k8s.StackManifests;

/**
 * The state dir's record of what is installed: {@code installed.json}, {@code history.json} (append-only) and
 * {@code bundles/<hex>/} (bundle.json and manifests of the current and the previous bundle). Every file is
 * written through {@link AtomicFiles}; a kept bundle is copied into a temp dir and renamed into place, so a crash
 * leaves it whole or absent. Every write passes the dry-run gate.
 */
public final class InstalledState {
    private final Path stateDir;
    private final HostGate gate;

    public InstalledState(Path stateDir, HostGate gate) {
        this.stateDir = stateDir;
        this.gate = gate;
    }

    public Path recordFile() {
        return stateDir.resolve("installed.json");
    }

    public Path historyFile() {
        return stateDir.resolve("history.json");
    }

    /** Where a bundle's bundle.json and manifests are kept for a rollback. */
    public Path keptBundle(String digest) {
        String hex = Digests.hexOf(digest);
        if (hex == null) {
            throw new InstallerException("bundle digest '" + digest + "' in " + recordFile() + " is not sha256:<hex>",
                    "restore the state dir from a backup", ExitCodes.FAILED);
        }
        return stateDir.resolve("bundles").resolve(hex);
    }

    public Optional<InstalledRecord> read() {
        Path f = recordFile();
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.LENIENT.readValue(f.toFile(), InstalledRecord.class));
        } catch (IOException e) {
            throw new InstallerException("install record " + f + " is unreadable (" + e.getMessage() + ")",
                    "restore it from a backup, or move it aside and reinstall", ExitCodes.FAILED, e);
        }
    }

    public History history() {
        Path f = historyFile();
        if (!Files.isRegularFile(f)) {
            return new History(History.FORMAT_VERSION, List.of());
        }
        try {
            return Json.LENIENT.readValue(f.toFile(), History.class);
        } catch (IOException e) {
            throw new InstallerException("install history " + f + " is unreadable (" + e.getMessage() + ")",
                    "restore it from a backup, or move it aside", ExitCodes.FAILED, e);
        }
    }

    public void write(InstalledRecord record) throws IOException {
        gate.writeAtomically(recordFile(), json(record), "0600");
    }

    public void append(History.Entry entry) throws IOException {
        List<History.Entry> all = new ArrayList<>(history().entries());
        all.add(entry);
        gate.writeAtomically(historyFile(), json(new History(History.FORMAT_VERSION, all)), "0600");
    }

    /**
     * Copies bundle.json and the manifests of an unpacked bundle to {@link #keptBundle}; nothing when already kept.
     * Only these are kept: images stay in containerd (pinned), k0s is never downgraded.
     */
    public void keep(Path bundleDir, BundleManifest manifest, String digest) throws IOException {
        Path target = keptBundle(digest);
        if (Files.isRegularFile(target.resolve(BundleEntries.MANIFEST))) {
            return;
        }
        gate.mutate("keep bundle.json and the manifests of " + InstalledRecord.shortDigest(digest) + " in " + target,
                () -> {
                    Files.createDirectories(target.getParent());
                    Path tmp = Files.createTempDirectory(target.getParent(), ".keep-");
                    try {
                        Files.copy(bundleDir.resolve(BundleEntries.MANIFEST), tmp.resolve(BundleEntries.MANIFEST));
                        for (BundleManifest.Component c : components(manifest, bundleDir)) {
                            for (String m : c.manifests()) {
                                Path to = tmp.resolve(m).normalize();
                                if (!to.startsWith(tmp)) {
                                    throw new IOException("manifest path " + m + " lies outside the bundle");
                                }
                                Files.createDirectories(to.getParent());
                                Files.copy(bundleDir.resolve(m), to);
                            }
                        }
                        FileTrees.delete(target); // a half-kept copy from a killed run has no bundle.json
                        Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    } finally {
                        if (Files.exists(tmp)) {
                            FileTrees.delete(tmp);
                        }
                    }
                });
    }

    /** Reads a kept bundle's bundle.json. */
    public BundleManifest keptManifest(String digest) {
        Path f = keptBundle(digest).resolve(BundleEntries.MANIFEST);
        try {
            return Json.LENIENT.readValue(f.toFile(), BundleManifest.class);
        } catch (IOException e) {
            throw new InstallerException("kept bundle " + f + " is unreadable (" + e.getMessage() + ")",
                    "rollback needs it; restore the state dir from a backup", ExitCodes.FAILED, e);
        }
    }

    /** Removes kept bundles other than these digests: only the current and the previous are ever needed. */
    public void pruneKept(String... keep) throws IOException {
        Path dir = stateDir.resolve("bundles");
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<String> hexes = java.util.Arrays.stream(keep).filter(java.util.Objects::nonNull).map(Digests::hexOf).toList();
        try (var list = Files.list(dir)) {
            for (Path p : list.toList()) {
                if (!hexes.contains(p.getFileName().toString())) {
                    gate.mutate("delete kept bundle " + p, () -> FileTrees.delete(p));
                }
            }
        }
    }

    /** What the record says about a bundle: identity, k0s, images and the digest of each component's manifests. */
    public static InstalledRecord.Installed describe(BundleManifest manifest, String digest, Path bundleDir) {
        Map<String, String> components = new LinkedHashMap<>();
        for (BundleManifest.Component c : components(manifest, bundleDir)) {
            components.put(c.name(), StackManifests.load(bundleDir, c).digest());
        }
        return new InstalledRecord.Installed(manifest.name(), manifest.version(), digest,
                manifest.k0s() == null ? null : manifest.k0s().version(), manifest.images(), components, Instant.now());
    }

    /** The components in apply order: the bundle's list, or its manifest folders when it has none (as the stack phase). */
    public static List<BundleManifest.Component> components(BundleManifest manifest, Path bundleDir) {
        if (!manifest.components().isEmpty()) {
            return manifest.components().stream().sorted(Comparator.comparingInt(BundleManifest.Component::order))
                    .toList();
        }
        return ManifestFolders.components(bundleDir.resolve("manifests"));
    }

    /**
     * The install's hook: records a successful install of this bundle. A rerun of the same install changes nothing
     * (the history gets one entry per install, not one per rerun).
     */
    public void recordInstall(BundleManifest manifest, String digest, Path bundleDir) throws IOException {
        Optional<InstalledRecord> earlier = read();
        if (earlier.isPresent() && earlier.get().current().sameBundle(digest)) {
            return;
        }
        InstalledRecord.Installed now = describe(manifest, digest, bundleDir);
        keep(bundleDir, manifest, digest);
        write(new InstalledRecord(InstalledRecord.FORMAT_VERSION, now, earlier.map(InstalledRecord::current).orElse(null)));
        append(new History.Entry(now.at(), "install", earlier.map(r -> r.current().label()).orElse(null), now.label(),
                "succeeded", null));
    }

    private static byte[] json(Object o) throws IOException {
        return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o).getBytes(StandardCharsets.UTF_8);
    }
}
