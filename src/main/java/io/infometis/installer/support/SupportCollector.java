package io.infometis.installer.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.K0sStatus;

/**
 * Collects what an operator hands over when something is wrong: the installer's journal, preflight results,
 * events and log; host facts; k0s's status and containerd's images; every pod's status, recent events, the logs of
 * unready or restarted containers, and the stack's ConfigMaps. Each source is collected on its own: one that does not
 * answer (the API is down, k0s is not installed) is named in MANIFEST.txt with the reason, and the rest is still
 * collected. Secrets are never read; values that look secret are redacted ({@link Redactor}).
 */
public final class SupportCollector {
    /** Where the running installer's events and log come from: the live model, its API, or nowhere. */
    public interface ProgressSource {
        String eventsJson() throws IOException;

        List<String> logTail() throws IOException;
    }

    static final List<String> NAMESPACES = List.of("infometis", "kube-system");
    public static final int LOG_LINES = 500;
    static final long MAX_STATE_FILE = 16L << 20;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final HostPaths paths;
    private final K0sCli k0s;
    private final Supplier<KubernetesClient> clients;
    private final ProgressSource progress;

    public SupportCollector(HostPaths paths, K0sCli k0s, Supplier<KubernetesClient> clients, ProgressSource progress) {
        this.paths = paths;
        this.k0s = k0s;
        this.clients = clients;
        this.progress = progress;
    }

    /** Writes the tar.gz to {@code out}; returns the sources that could not be collected, each with its reason. */
    public List<String> writeTo(OutputStream out, String top) throws IOException {
        try (SupportArchive a = new SupportArchive(out, top)) {
            installer(a);
            host(a);
            k0s(a);
            cluster(a);
            return a.missing();
        }
    }

    private void installer(SupportArchive a) throws IOException {
        stateFile(a, paths.journalFile(), "installer/journal.json");
        stateFile(a, paths.preflightResults(), "installer/preflight.json");
        if (progress == null) {
            a.missing("installer/events.json, installer/log.txt", "no running installer's progress API was reachable");
            return;
        }
        try {
            a.add("installer/events.json", Redactor.text(progress.eventsJson()));
            a.add("installer/log.txt", Redactor.text(String.join("\n", progress.logTail())) + "\n");
        } catch (IOException e) {
            a.missing("installer/events.json, installer/log.txt", "the progress API: " + e.getMessage());
        }
    }

    /** A state file, read without following a link and bounded in size: the state dir is ours, its contents are not trusted. */
    private static void stateFile(SupportArchive a, Path file, String name) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            if (ch.size() > MAX_STATE_FILE) {
                a.missing(name, file + " is larger than 16 MiB");
                return;
            }
            try (InputStream in = Channels.newInputStream(ch)) {
                a.add(name, Redactor.text(new String(in.readNBytes((int) MAX_STATE_FILE),
                        java.nio.charset.StandardCharsets.UTF_8)));
            }
        } catch (NoSuchFileException e) {
            a.missing(name, file + " does not exist");
        } catch (IOException e) {
            a.missing(name, file + ": " + e.getMessage());
        }
    }

    private void host(SupportArchive a) throws IOException {
        StringBuilder facts = new StringBuilder();
        for (String f : List.of("/etc/os-release", "/proc/version", "/proc/loadavg", "/proc/meminfo", "/proc/swaps",
                "/proc/cgroups", "/proc/sys/net/ipv4/ip_forward", "/etc/hostname")) {
            facts.append("== ").append(f).append('\n');
            try {
                facts.append(Files.readString(Path.of(f))).append('\n');
            } catch (IOException | RuntimeException e) {
                facts.append("(unreadable: ").append(e.getMessage()).append(")\n");
            }
        }
        facts.append("== processors\n").append(Runtime.getRuntime().availableProcessors()).append('\n');
        facts.append("== disk\n");
        for (Path p : List.of(paths.root(), paths.stateDir(), paths.volumesDir())) {
            try {
                var store = Files.getFileStore(existingAncestor(p));
                facts.append(p).append(": ").append(store.getUsableSpace() >> 20).append(" MiB free of ")
                        .append(store.getTotalSpace() >> 20).append(" MiB (").append(store.type()).append(")\n");
            } catch (IOException e) {
                facts.append(p).append(": ").append(e.getMessage()).append('\n');
            }
        }
        a.add("host/facts.txt", facts.toString());
    }

    private static Path existingAncestor(Path p) {
        Path q = p.toAbsolutePath();
        while (q != null && !Files.exists(q)) {
            q = q.getParent();
        }
        return q == null ? Path.of("/") : q;
    }

    private void k0s(SupportArchive a) throws IOException {
        if (!Files.isRegularFile(k0s.binary())) {
            a.missing("k0s/status.json, containerd/images.txt", "no k0s binary at " + k0s.binary());
            return;
        }
        K0sStatus status = k0s.status();
        if (status == null) {
            a.missing("k0s/status.json", "'k0s status' did not answer (k0s not running?)");
        } else {
            a.add("k0s/status.json", JSON.writeValueAsString(status));
        }
        List<String> images = new ArrayList<>();
        try {
            var r = k0s.ctr(List.of("-n", "k8s.io", "images", "ls"), null, images::add, Duration.ofSeconds(30));
            if (r.ok()) {
                a.add("containerd/images.txt", String.join("\n", images) + "\n");
            } else {
                a.missing("containerd/images.txt", "'k0s ctr images ls' exited " + r.exitCode() + ": "
                        + r.stderr().strip());
            }
        } catch (IOException e) {
            a.missing("containerd/images.txt", e.getMessage());
        }
    }

    private void cluster(SupportArchive a) throws IOException {
        KubernetesClient client;
        try {
            client = clients.get();
        } catch (RuntimeException e) {
            a.missing("cluster/*", "no cluster client: " + e.getMessage());
            return;
        }
        try (client) {
            for (String ns : NAMESPACES) {
                List<Pod> pods;
                try {
                    pods = client.pods().inNamespace(ns).list().getItems();
                } catch (RuntimeException e) {
                    a.missing("cluster/" + ns + "/*", "the Kubernetes API did not answer: " + firstLine(e.getMessage()));
                    continue;
                }
                a.add("cluster/" + ns + "/pods.yaml", YAML.writeValueAsString(pods.stream().map(Redactor::pod).toList()));
                events(a, client, ns);
                for (Pod p : pods) {
                    logs(a, client, ns, p);
                }
                if (ns.equals("infometis")) {
                    configMaps(a, client, ns);
                }
            }
        }
    }

    private static void events(SupportArchive a, KubernetesClient client, String ns) throws IOException {
        try {
            StringBuilder s = new StringBuilder();
            for (Event e : client.v1().events().inNamespace(ns).list().getItems()) {
                s.append(e.getLastTimestamp()).append(' ').append(e.getType()).append(' ').append(e.getReason())
                        .append(' ').append(e.getInvolvedObject() == null ? "" : e.getInvolvedObject().getKind() + "/"
                                + e.getInvolvedObject().getName())
                        .append(": ").append(Redactor.text(String.valueOf(e.getMessage()))).append('\n');
            }
            a.add("cluster/" + ns + "/events.txt", s.toString());
        } catch (RuntimeException e) {
            a.missing("cluster/" + ns + "/events.txt", firstLine(e.getMessage()));
        }
    }

    /** The logs of containers that are not ready or have restarted (the previous instance's too): the ones that tell. */
    private static void logs(SupportArchive a, KubernetesClient client, String ns, Pod p) throws IOException {
        if (p.getStatus() == null) {
            return;
        }
        List<ContainerStatus> statuses = new ArrayList<>(p.getStatus().getContainerStatuses());
        statuses.addAll(p.getStatus().getInitContainerStatuses());
        for (ContainerStatus c : statuses) {
            boolean restarted = c.getRestartCount() != null && c.getRestartCount() > 0;
            if (Boolean.TRUE.equals(c.getReady()) && !restarted) {
                continue;
            }
            String base = "cluster/" + ns + "/logs/" + p.getMetadata().getName() + "/" + c.getName();
            log(a, base + ".log", () -> client.pods().inNamespace(ns).withName(p.getMetadata().getName())
                    .inContainer(c.getName()).tailingLines(LOG_LINES).getLog());
            if (restarted) {
                log(a, base + ".previous.log", () -> client.pods().inNamespace(ns).withName(p.getMetadata().getName())
                        .inContainer(c.getName()).terminated().tailingLines(LOG_LINES).getLog());
            }
        }
    }

    private static void log(SupportArchive a, String name, Supplier<String> read) throws IOException {
        try {
            a.add(name, Redactor.text(read.get()));
        } catch (RuntimeException e) {
            a.missing(name, firstLine(e.getMessage()));
        }
    }

    private static void configMaps(SupportArchive a, KubernetesClient client, String ns) throws IOException {
        try {
            for (ConfigMap cm : client.configMaps().inNamespace(ns).list().getItems()) {
                cm.getMetadata().setManagedFields(null);
                a.add("cluster/" + ns + "/configmaps/" + cm.getMetadata().getName() + ".yaml",
                        Redactor.text(YAML.writeValueAsString(cm)));
            }
        } catch (RuntimeException e) {
            a.missing("cluster/" + ns + "/configmaps", firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String s) {
        return s == null ? "(no message)" : s.strip().lines().findFirst().orElse(s);
    }
}
