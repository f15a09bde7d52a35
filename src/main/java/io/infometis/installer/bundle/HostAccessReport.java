package io.infometis.installer.bundle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.infometis.installer.InstallerException;
import io.infometis.installer.Json;
import io.infometis.installer.k8s.StackManifests;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What a bundle's manifests ask of the host, per component and object: privileged containers, hostPath volumes
 * (with their paths), hostNetwork/hostPID/hostIPC, added capabilities, and running as uid 0. Shown by
 * {@code bundle inspect} and before an install (the dry-run plan, and preflight's bundle check), so an operator
 * sees it before anything runs. The manifests are parsed as install parses them (fabric8, every YAML document);
 * one that cannot be parsed is a bundle defect (exit 2).
 */
@RegisterForReflection
public record HostAccessReport(List<Finding> findings) {

    /** One object that asks for something, e.g. ("monitoring", "DaemonSet", "node-agent", [privileged …]). */
    @RegisterForReflection
    public record Finding(String component, String kind, String name, List<Ask> asks) {
        public String line() {
            List<String> parts = new ArrayList<>();
            for (Ask a : asks) {
                parts.add(a.what() + (a.detail() == null ? "" : " " + a.detail()));
            }
            return component + " " + kind + "/" + name + ": " + String.join("; ", parts);
        }
    }

    /**
     * One request: {@code what} is privileged, hostPath, hostNetwork, hostPID, hostIPC, capabilities or
     * runAsUser 0; {@code detail} says where (the container, the path and volume, the capabilities).
     */
    @RegisterForReflection
    public record Ask(String what, String detail) {
    }

    private static final Pattern FOLDER = Pattern.compile(BundleEntries.MANIFESTS + "\\d+-([a-z0-9][a-z0-9-]*)/[^/]+\\.ya?ml");

    public boolean isEmpty() {
        return findings.isEmpty();
    }

    public List<String> lines() {
        return findings.stream().map(Finding::line).toList();
    }

    /** A short count for one line, e.g. "privileged 1, hostPath 3 (/, /var/log), hostNetwork 1". */
    public String summary() {
        if (findings.isEmpty()) {
            return "nothing beyond ordinary pods";
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        List<String> paths = new ArrayList<>();
        for (Finding f : findings) {
            for (Ask a : f.asks()) {
                counts.merge(a.what(), 1, Integer::sum);
                if (a.what().equals("hostPath") && !paths.contains(pathOf(a))) {
                    paths.add(pathOf(a));
                }
            }
        }
        List<String> parts = new ArrayList<>();
        counts.forEach((what, n) -> parts.add(what + " " + n + (what.equals("hostPath") ? " (" + String.join(", ", paths) + ")" : "")));
        return String.join(", ", parts);
    }

    private static String pathOf(Ask a) {
        String d = a.detail();
        int cut = d.indexOf(" (");
        return cut < 0 ? d : d.substring(0, cut);
    }

    /** From a bundle file: bundle.json's components and the manifest entries they list (folder names if none). */
    public static HostAccessReport ofBundleFile(Path file, BundleLimits limits) {
        Map<String, String> componentOf = new HashMap<>();
        List<Finding> findings = new ArrayList<>();
        try (BundleReader reader = new BundleReader(file, limits)) {
            BundleReader.Entry first = reader.next();
            if (first == null || !first.name().equals(BundleEntries.MANIFEST) || first.size() > limits.maxMetadataBytes()) {
                throw new BundleDefect(first == null ? "(empty archive)" : first.name(), "the first entry must be bundle.json");
            }
            BundleManifest m = BundleVerifier.parseManifest(first.data().readAllBytes());
            for (BundleManifest.Component c : m.components()) {
                c.manifests().forEach(path -> componentOf.put(path, c.name()));
            }
            for (BundleReader.Entry e; (e = reader.next()) != null;) {
                String component = componentOf.get(e.name());
                if (component == null && m.components().isEmpty()) {
                    Matcher fm = FOLDER.matcher(e.name());
                    component = fm.matches() ? fm.group(1) : null;
                }
                if (component == null) {
                    continue;
                }
                if (e.size() > limits.maxMetadataBytes()) {
                    throw new BundleDefect(e.name(), "larger than the metadata limit");
                }
                String yaml = new String(e.data().readAllBytes(), StandardCharsets.UTF_8);
                findings.addAll(of(component, parse(yaml, component, e.name())));
            }
        } catch (IOException e) {
            throw new BundleDefect("(file)", "unreadable " + file + " (" + e.getMessage() + ")");
        }
        return new HostAccessReport(List.copyOf(findings));
    }

    /** From a directory holding {@code manifests/NN-name/*.yaml} (an unpacked bundle, or beside the spec). */
    public static HostAccessReport ofDirectory(Path dir) {
        List<Finding> findings = new ArrayList<>();
        for (BundleManifest.Component c : ManifestFolders.components(dir.resolve("manifests"))) {
            for (String relative : c.manifests()) {
                String yaml;
                try {
                    yaml = Files.readString(dir.resolve(relative));
                } catch (IOException e) {
                    throw InstallerException.invalidInput("manifest " + relative + " is unreadable (" + e.getMessage() + ")",
                            "check the path and its permissions");
                }
                findings.addAll(of(c.name(), parse(yaml, c.name(), relative)));
            }
        }
        return new HostAccessReport(List.copyOf(findings));
    }

    private static List<HasMetadata> parse(String yaml, String component, String entry) {
        try {
            return StackManifests.parse(yaml, component + " " + entry);
        } catch (InstallerException e) {
            // Exit 2 and naming the entry, like every other defect of the bundle.
            throw new BundleDefect(entry, "not a valid manifest: " + e.getMessage());
        }
    }

    /** The asks of one component's objects, in their order; objects that ask for nothing are left out. */
    public static List<Finding> of(String component, List<HasMetadata> objects) {
        List<Finding> out = new ArrayList<>();
        for (HasMetadata o : objects) {
            JsonNode tree = readTree(o);
            List<Ask> asks = new ArrayList<>();
            if (o.getKind().equals("PersistentVolume") && tree.path("spec").path("hostPath").has("path")) {
                asks.add(new Ask("hostPath", tree.path("spec").path("hostPath").path("path").asText() + " (PersistentVolume)"));
            }
            for (JsonNode pod : podSpecs(o.getKind(), tree)) {
                podAsks(pod, asks);
            }
            if (!asks.isEmpty()) {
                out.add(new Finding(component, o.getKind(), o.getMetadata().getName(), List.copyOf(asks)));
            }
        }
        return out;
    }

    private static JsonNode readTree(HasMetadata o) {
        try {
            return Json.MAPPER.readTree(StackManifests.serialization().asJson(o));
        } catch (IOException e) {
            throw new IllegalStateException("fabric8 wrote JSON Jackson cannot read", e);
        }
    }

    /** Where pod specs sit: a Pod's spec, a workload's template, a CronJob's job template. */
    private static List<JsonNode> podSpecs(String kind, JsonNode tree) {
        List<JsonNode> specs = new ArrayList<>();
        JsonNode spec = tree.path("spec");
        if (kind.equals("Pod")) {
            specs.add(spec);
        }
        if (spec.path("template").path("spec").isObject()) {
            specs.add(spec.path("template").path("spec"));
        }
        JsonNode job = spec.path("jobTemplate").path("spec").path("template").path("spec");
        if (job.isObject()) {
            specs.add(job);
        }
        return specs;
    }

    private static void podAsks(JsonNode pod, List<Ask> asks) {
        for (String flag : List.of("hostNetwork", "hostPID", "hostIPC")) {
            if (pod.path(flag).asBoolean(false)) {
                asks.add(new Ask(flag, null));
            }
        }
        for (JsonNode v : pod.path("volumes")) {
            if (v.path("hostPath").has("path")) {
                asks.add(new Ask("hostPath", v.path("hostPath").path("path").asText() + " (volume " + v.path("name").asText() + ")"));
            }
        }
        if (pod.path("securityContext").path("runAsUser").isNumber() && pod.path("securityContext").path("runAsUser").asLong() == 0) {
            asks.add(new Ask("runAsUser 0", "(pod)"));
        }
        for (String list : List.of("initContainers", "containers", "ephemeralContainers")) {
            for (JsonNode c : pod.path(list)) {
                String name = "container " + c.path("name").asText();
                JsonNode sc = c.path("securityContext");
                if (sc.path("privileged").asBoolean(false)) {
                    asks.add(new Ask("privileged", name));
                }
                List<String> caps = new ArrayList<>();
                sc.path("capabilities").path("add").forEach(cap -> caps.add(cap.asText()));
                if (!caps.isEmpty()) {
                    asks.add(new Ask("capabilities", String.join(",", caps) + " (" + name + ")"));
                }
                if (sc.path("runAsUser").isNumber() && sc.path("runAsUser").asLong() == 0) {
                    asks.add(new Ask("runAsUser 0", name));
                }
            }
        }
    }
}
