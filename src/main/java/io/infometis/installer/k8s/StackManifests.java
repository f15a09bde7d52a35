package io.infometis.installer.k8s;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.Digests;
import io.infometis.installer.InstallerException;

/**
 * Reads a component's manifests from the unpacked bundle into fabric8 objects, in the order they must be applied,
 * with the digest of the files that the journal compares on a rerun.
 */
public final class StackManifests {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    /**
     * Within a component, objects that others refer to come first (Helm's install order, trimmed to what the
     * stack uses): a pod never starts before its ServiceAccount, ConfigMap or claim exists.
     */
    private static final List<String> KIND_ORDER = List.of("Namespace", "StorageClass", "PersistentVolume",
            "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "Secret",
            "PersistentVolumeClaim", "Service", "DaemonSet", "Deployment", "StatefulSet", "IngressClass", "Ingress");

    /** A component ready to apply: its objects in apply order and {@code sha256:<hex>} of its files. */
    public record Loaded(BundleManifest.Component component, List<HasMetadata> objects, String digest) {
        public String name() {
            return component.name();
        }
    }

    private StackManifests() {
    }

    public static Loaded load(Path bundleDir, BundleManifest.Component component) {
        List<HasMetadata> objects = new ArrayList<>();
        MessageDigest sha = Digests.sha256();
        Path root = bundleDir.toAbsolutePath().normalize();
        for (String relative : component.manifests()) {
            Path file = root.resolve(relative).normalize();
            if (!file.startsWith(root)) {
                throw InstallerException.invalidInput("manifest " + relative + " of " + component.name()
                        + " lies outside the bundle", "rebuild the bundle with 'infometis bundle build'");
            }
            String yaml;
            try {
                yaml = Files.readString(file);
            } catch (IOException e) {
                throw InstallerException.failed("reading manifest " + relative + " of " + component.name() + ": "
                        + e.getMessage(), "check the unpacked bundle; 'infometis bundle verify' finds damaged files", e);
            }
            sha.update(relative.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(yaml.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            objects.addAll(parse(yaml, component.name() + " " + relative));
        }
        objects.sort(Comparator.comparingInt(StackManifests::kindRank));
        return new Loaded(component, List.copyOf(objects), "sha256:" + Digests.hex(sha.digest()));
    }

    /** Every YAML document of one file as a fabric8 object; a document that is no Kubernetes object is an error. */
    public static List<HasMetadata> parse(String yaml, String where) {
        List<HasMetadata> out = new ArrayList<>();
        for (String doc : documents(yaml)) {
            Object parsed;
            try {
                parsed = SERIALIZATION.unmarshal(doc);
            } catch (RuntimeException e) {
                throw InstallerException.invalidInput("manifest " + where + ": " + firstLine(e.getMessage()),
                        "fix the YAML; every document must be one Kubernetes object");
            }
            if (!(parsed instanceof HasMetadata h) || h.getMetadata() == null || h.getMetadata().getName() == null) {
                throw InstallerException.invalidInput("manifest " + where + " holds a document that is not a named "
                        + "Kubernetes object", "give every document apiVersion, kind and metadata.name");
            }
            out.add(h);
        }
        return out;
    }

    /** The documents of a YAML stream, without the empty ones (comments only, or a leading {@code ---}). */
    static List<String> documents(String yaml) {
        List<String> docs = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : yaml.split("\n", -1)) {
            if (line.startsWith("---") && line.substring(3).isBlank()) {
                docs.add(current.toString());
                current.setLength(0);
            } else {
                current.append(line).append('\n');
            }
        }
        docs.add(current.toString());
        return docs.stream().filter(StackManifests::hasContent).toList();
    }

    private static boolean hasContent(String doc) {
        return doc.lines().map(String::strip).anyMatch(l -> !l.isEmpty() && !l.startsWith("#"));
    }

    static int kindRank(HasMetadata h) {
        int i = KIND_ORDER.indexOf(h.getKind());
        return i < 0 ? KIND_ORDER.size() : i;
    }

    /** {@code sha256:<hex>} of an object's JSON form: what the applier stamps on it to see it is unchanged. */
    public static String digestOf(HasMetadata object) {
        return "sha256:" + Digests.sha256(SERIALIZATION.asJson(object).getBytes(StandardCharsets.UTF_8));
    }

    public static KubernetesSerialization serialization() {
        return SERIALIZATION;
    }

    private static String firstLine(String s) {
        return s == null ? "unreadable" : s.lines().findFirst().orElse(s);
    }
}
