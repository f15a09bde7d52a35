package io.infometis.installer.upgrade;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.BundleManifest.Image;
import io.infometis.installer.k8s.StackManifests;

/**
 * The difference between the installed bundle and a new one, computed before anything changes: k0s, images
 * (by ref and digest), components (by the digest of their manifests, then object by object), and the images no
 * bundle needs any more. {@link #lines()} is what {@code upgrade --dry-run} prints as {@code plan:} lines.
 *
 * @param from     the installed bundle
 * @param previous the bundle before it (its images are still pinned), or null
 * @param to       the new bundle
 * @param changed  the components to apply, in apply order (added or changed), with their object diff
 * @param removed  components the new bundle no longer has (left running: docs/upgrade.md)
 * @param prune    images of {@code previous} that neither {@code from} nor {@code to} uses: unpinned and removed
 */
public record UpgradePlan(InstalledRecord.Installed from, InstalledRecord.Installed previous,
        InstalledRecord.Installed to, boolean k0sChanges, List<Image> imagesAdded, List<Image> imagesChanged,
        List<Image> imagesRemoved, List<ManifestDiff> changed, List<String> removed, List<Image> prune) {

    /**
     * @param keptDir the installed bundle's kept bundle.json and manifests ({@link InstalledState#keptBundle})
     * @param newDir  the new bundle, unpacked and verified
     */
    public static UpgradePlan compute(InstalledRecord record, Path keptDir, BundleManifest manifest, String digest,
            Path newDir) {
        InstalledRecord.Installed from = record.current();
        InstalledRecord.Installed to = InstalledState.describe(manifest, digest, newDir);
        boolean k0s = K0sVersions.checkUpgrade(from.k0sVersion(), to.k0sVersion());
        Map<String, Image> old = byRef(from.images());
        Map<String, Image> now = byRef(to.images());
        List<Image> added = to.images().stream().filter(i -> !old.containsKey(i.ref())).toList();
        List<Image> changedImages = to.images().stream()
                .filter(i -> old.containsKey(i.ref()) && !sameDigest(old.get(i.ref()), i)).toList();
        List<Image> removedImages = from.images().stream().filter(i -> !now.containsKey(i.ref())).toList();

        BundleManifest oldManifest = keptManifest(keptDir);
        Map<String, BundleManifest.Component> oldComponents = new LinkedHashMap<>();
        InstalledState.components(oldManifest, keptDir).forEach(c -> oldComponents.put(c.name(), c));
        List<ManifestDiff> diffs = new ArrayList<>();
        for (BundleManifest.Component c : InstalledState.components(manifest, newDir)) {
            String was = from.components().get(c.name());
            if (was != null && was.equals(to.components().get(c.name()))) {
                continue;
            }
            List<HasMetadata> before = oldComponents.containsKey(c.name())
                    ? StackManifests.load(keptDir, oldComponents.get(c.name())).objects() : List.of();
            diffs.add(ManifestDiff.of(c.name(), before, StackManifests.load(newDir, c).objects()));
        }
        List<String> removedComponents = from.components().keySet().stream()
                .filter(n -> !to.components().containsKey(n)).toList();

        InstalledRecord.Installed previous = record.previous();
        List<Image> prune = new ArrayList<>();
        if (previous != null) {
            Set<String> used = from.images().stream().map(Image::ref).collect(Collectors.toSet());
            used.addAll(now.keySet());
            previous.images().stream().filter(i -> !used.contains(i.ref())).forEach(prune::add);
        }
        return new UpgradePlan(from, previous, to, k0s, added, changedImages, removedImages, diffs, removedComponents,
                List.copyOf(prune));
    }

    /** The components the stack step applies, by name. */
    public List<String> changedComponents() {
        return changed.stream().map(ManifestDiff::component).toList();
    }

    /** Bytes the images step imports at most: every image added or changed. */
    public long newImageBytes() {
        return imagesAdded.stream().mapToLong(Image::size).sum() + imagesChanged.stream().mapToLong(Image::size).sum();
    }

    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add("upgrade " + from.label() + " → " + to.label());
        out.add(k0sChanges ? "k0s " + from.k0sVersion() + " → " + to.k0sVersion() + ": stop, swap the binary, start, wait"
                : "k0s " + to.k0sVersion() + ": unchanged");
        imagesAdded.forEach(i -> out.add("image added: " + i.ref() + " (" + i.digest() + ", " + i.size() + " bytes)"));
        imagesChanged.forEach(i -> out.add("image changed: " + i.ref() + " " + byRef(from.images()).get(i.ref()).digest()
                + " → " + i.digest()));
        imagesRemoved.forEach(i -> out.add("image removed: " + i.ref() + " (kept pinned while "
                + from.label() + " is the rollback target)"));
        prune.forEach(i -> out.add("image pruned: " + i.ref() + " (" + i.digest() + "): used by neither bundle; unpin and remove"));
        if (imagesAdded.isEmpty() && imagesChanged.isEmpty()) {
            out.add("images: nothing to import");
        }
        for (ManifestDiff d : changed) {
            out.add("component " + d.component() + " changed: " + summary(d));
            d.diffs().forEach((key, lines) -> {
                out.add("  " + key + ":");
                lines.forEach(l -> out.add("    " + l));
            });
        }
        removed.forEach(c -> out.add("component " + c + " is not in the new bundle: left running (delete it by hand)"));
        int unchanged = to.components().size() - changed.size();
        out.add(unchanged + " components unchanged: not re-applied");
        return out;
    }

    private static String summary(ManifestDiff d) {
        List<String> parts = new ArrayList<>();
        d.added().forEach(o -> parts.add("+" + ManifestDiff.key(o)));
        d.removed().forEach(o -> parts.add("-" + ManifestDiff.key(o)));
        d.changed().forEach(o -> parts.add("~" + ManifestDiff.key(o)));
        return parts.isEmpty() ? "only file layout" : String.join(", ", parts);
    }

    private static BundleManifest keptManifest(Path keptDir) {
        try {
            return io.infometis.installer.Json.LENIENT.readValue(
                    keptDir.resolve(io.infometis.installer.bundle.BundleEntries.MANIFEST).toFile(), BundleManifest.class);
        } catch (java.io.IOException e) {
            throw new io.infometis.installer.InstallerException("the installed bundle's kept manifests in " + keptDir
                    + " are unreadable (" + e.getMessage() + ")", "restore the state dir from a backup",
                    io.infometis.installer.ExitCodes.FAILED, e);
        }
    }

    private static Map<String, Image> byRef(List<Image> images) {
        Map<String, Image> m = new LinkedHashMap<>();
        images.forEach(i -> m.put(i.ref(), i));
        return m;
    }

    private static boolean sameDigest(Image a, Image b) {
        return java.util.Objects.equals(a.digest(), b.digest());
    }
}
