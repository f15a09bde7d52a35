package io.infometis.installer.k8s;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.infometis.installer.bundle.Digests;

/**
 * Most images read their configuration once, at start: a ConfigMap that changes under a running pod changes
 * nothing until the pod restarts. Helm's answer, used here: the pod template carries a digest of the ConfigMaps
 * and Secrets it mounts or takes variables from ({@code checksum/config}), so a changed config is a changed
 * template and the controller rolls the pods. A workload that reloads a config itself names it in
 * {@link #LIVE_RELOAD}; that config stays out of its digest, and the stack phase asks it to reload instead.
 */
public final class ConfigChecksums {
    /** The pod-template annotation, Helm's name for it. */
    public static final String ANNOTATION = "checksum/config";
    /** On a workload: comma-separated ConfigMaps it reloads without a restart (see {@link ConfigReload}). */
    public static final String LIVE_RELOAD = "infometis.io/live-reload-configmaps";

    private ConfigChecksums() {
    }

    /** {@code ConfigMap/name} and {@code Secret/name} to the digest of their data, for every one in the stack. */
    public static Map<String, String> of(Collection<HasMetadata> objects) {
        Map<String, String> out = new HashMap<>();
        for (HasMetadata o : objects) {
            if (o instanceof ConfigMap cm) {
                out.put(key(o), digest(cm.getData(), cm.getBinaryData()));
            } else if (o instanceof Secret s) {
                out.put(key(o), digest(s.getData(), s.getStringData()));
            }
        }
        return out;
    }

    /**
     * The objects with each workload's pod template annotated with the digest of the configs it reads; the
     * others unchanged. Returns copies: the loaded manifests stay as read.
     */
    public static List<HasMetadata> stamp(List<HasMetadata> objects, Map<String, String> digests) {
        List<HasMetadata> out = new ArrayList<>();
        for (HasMetadata o : objects) {
            PodTemplateSpec template = template(o);
            if (template == null) {
                out.add(o);
                continue;
            }
            Set<String> live = liveReloaded(o);
            TreeMap<String, String> read = new TreeMap<>();
            for (String ref : references(template)) {
                String d = digests.get(ref);
                if (d != null && !(ref.startsWith("ConfigMap/") && live.contains(ref.substring("ConfigMap/".length())))) {
                    read.put(ref, d);
                }
            }
            if (read.isEmpty()) {
                out.add(o);
                continue;
            }
            StringBuilder all = new StringBuilder();
            read.forEach((k, v) -> all.append(k).append('=').append(v).append('\n'));
            HasMetadata copy = StackManifests.serialization().clone(o);
            PodTemplateSpec t = template(copy);
            Map<String, String> annotations = new LinkedHashMap<>(
                    t.getMetadata().getAnnotations() == null ? Map.of() : t.getMetadata().getAnnotations());
            annotations.put(ANNOTATION, Digests.sha256(all.toString().getBytes(StandardCharsets.UTF_8)));
            t.getMetadata().setAnnotations(annotations);
            out.add(copy);
        }
        return out;
    }

    /** The ConfigMaps a workload reloads itself, from its {@link #LIVE_RELOAD} annotation. */
    public static Set<String> liveReloaded(HasMetadata workload) {
        Map<String, String> a = workload.getMetadata().getAnnotations();
        String v = a == null ? null : a.get(LIVE_RELOAD);
        Set<String> out = new TreeSet<>();
        if (v != null) {
            Stream.of(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(out::add);
        }
        return out;
    }

    /** Every ConfigMap and Secret a pod template reads: volumes (also projected), env and envFrom. */
    static Set<String> references(PodTemplateSpec t) {
        Set<String> refs = new TreeSet<>();
        if (t.getSpec().getVolumes() != null) {
            for (Volume v : t.getSpec().getVolumes()) {
                if (v.getConfigMap() != null) {
                    refs.add("ConfigMap/" + v.getConfigMap().getName());
                }
                if (v.getSecret() != null) {
                    refs.add("Secret/" + v.getSecret().getSecretName());
                }
                if (v.getProjected() != null && v.getProjected().getSources() != null) {
                    v.getProjected().getSources().forEach(s -> {
                        if (s.getConfigMap() != null) {
                            refs.add("ConfigMap/" + s.getConfigMap().getName());
                        }
                        if (s.getSecret() != null) {
                            refs.add("Secret/" + s.getSecret().getName());
                        }
                    });
                }
            }
        }
        List<Container> containers = new ArrayList<>(t.getSpec().getContainers());
        if (t.getSpec().getInitContainers() != null) {
            containers.addAll(t.getSpec().getInitContainers());
        }
        for (Container c : containers) {
            if (c.getEnv() != null) {
                c.getEnv().stream().filter(e -> e.getValueFrom() != null).forEach(e -> {
                    if (e.getValueFrom().getConfigMapKeyRef() != null) {
                        refs.add("ConfigMap/" + e.getValueFrom().getConfigMapKeyRef().getName());
                    }
                    if (e.getValueFrom().getSecretKeyRef() != null) {
                        refs.add("Secret/" + e.getValueFrom().getSecretKeyRef().getName());
                    }
                });
            }
            if (c.getEnvFrom() != null) {
                c.getEnvFrom().forEach(e -> {
                    if (e.getConfigMapRef() != null) {
                        refs.add("ConfigMap/" + e.getConfigMapRef().getName());
                    }
                    if (e.getSecretRef() != null) {
                        refs.add("Secret/" + e.getSecretRef().getName());
                    }
                });
            }
        }
        return refs;
    }

    static PodTemplateSpec template(HasMetadata o) {
        if (o instanceof Deployment d) {
            return d.getSpec().getTemplate();
        } else if (o instanceof StatefulSet s) {
            return s.getSpec().getTemplate();
        } else if (o instanceof DaemonSet ds) {
            return ds.getSpec().getTemplate();
        }
        return null;
    }

    private static String key(HasMetadata o) {
        return o.getKind() + "/" + o.getMetadata().getName();
    }

    private static String digest(Map<String, String> a, Map<String, String> b) {
        StringBuilder sb = new StringBuilder();
        for (Map<String, String> m : List.of(a == null ? Map.<String, String>of() : a, b == null ? Map.<String, String>of() : b)) {
            new TreeMap<>(m).forEach((k, v) -> sb.append(k).append('\0').append(v).append('\0'));
            sb.append('\1');
        }
        return Digests.sha256(sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
