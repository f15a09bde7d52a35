package io.infometis.installer.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.infometis.installer.bundle.BundleSpec;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.install.Journal;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.ProgressSnapshot;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.DirectoryBundle;
import io.infometis.installer.testing.FakeControllers;
import io.infometis.installer.testing.StrictApiServer;
import io.infometis.installer.testing.RecordingClients;

/**
 * The stack phase against {@link StrictApiServer} (the fabric8 CRUD mock with the apiserver's 409 on a stale write
 * and 422 on an immutable field), with stand-in controllers that write status concurrently.
 */
class StackPhaseTest {
    static final List<String> ORDER = List.of("base", "traefik", "kafka", "schema-registry", "flink", "ksqldb",
            "elasticsearch", "prometheus", "alertmanager", "grafana", "nifi");

    StrictApiServer strict;
    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path tmp;
    FakeControllers controllers;
    DirectoryBundle bundle;
    RecordingClients recording;

    @BeforeEach
    void setUp() {
        strict = new StrictApiServer();
        server = strict.server();
        client = strict.client();
        bundle = DirectoryBundle.ofRepository();
        // The stack phase runs after the node phase: the node is registered and Ready (its DaemonSet pods need it).
        client.nodes().resource(new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata()
                .withName(FakeControllers.EVERYTHING_PRESENT.name()).endMetadata().withNewStatus().addNewCondition()
                .withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
        recording = new RecordingClients(client);
    }

    @AfterEach
    void stopControllers() throws InterruptedException {
        if (controllers != null) {
            controllers.close();
        }
        client.close();
        strict.close();
    }

    @Test
    void appliesVolumesThenEachComponentInOrderWaitingForEachToBeReady() throws Exception {
        controllers = new FakeControllers(recording.newClient());
        PhaseRunner.Outcome outcome = run(phase(c -> Duration.ofSeconds(20)), new Progress());
        assertEquals(State.SUCCEEDED, outcome.state(), String.valueOf(outcome.failure()));

        List<String> log = requests();
        List<String> creates = log.stream().filter(l -> l.startsWith("create ")).toList();
        assertEquals(8, creates.stream().limit(8).filter(l -> l.startsWith("create PersistentVolume/")).count(),
                "the volumes' PVs come first: " + creates);
        assertEquals("create Namespace/infometis", creates.get(8));
        // Every object of a component is created after every workload of the component before it is ready.
        Map<String, String> componentOf = componentOfObjects();
        int lastComponent = -1;
        for (int i = 0; i < log.size(); i++) {
            String line = log.get(i);
            if (!line.startsWith("create ") || line.startsWith("create PersistentVolume/")) {
                continue;
            }
            int c = ORDER.indexOf(componentOf.get(line.substring(7)));
            assertTrue(c >= lastComponent, "components are applied in folder order: " + line);
            if (c > lastComponent && c > 0) {
                for (String workload : workloadsOf(ORDER.get(c - 1), componentOf)) {
                    int ready = log.indexOf("ready " + workload);
                    assertTrue(ready >= 0 && ready < i, workload + " was ready before " + line);
                }
            }
            lastComponent = c;
        }
        assertEquals(ORDER.size() - 1, lastComponent);
        List<String> readied = controllers.readied();
        assertEquals(List.of("traefik", "kafka", "schema-registry", "flink-jobmanager", "flink-taskmanager",
                "ksqldb-server", "elasticsearch", "elasticsearch-exporter", "kafka-exporter", "kube-state-metrics",
                "prometheus", "node-exporter", "alertmanager", "grafana", "nifi").stream().sorted().toList(),
                readied.stream().sorted().toList(), "every workload was readied once");
        // Component by component; within one, the controllers ready its workloads in whatever order they get to them.
        int previous = -1;
        for (String workload : readied) {
            String component = componentOf.entrySet().stream()
                    .filter(e -> e.getKey().matches("(Deployment|StatefulSet|DaemonSet)/" + java.util.regex.Pattern.quote(workload)))
                    .map(Map.Entry::getValue).findFirst().orElseThrow();
            assertTrue(ORDER.indexOf(component) >= previous, "workloads are readied in the components' order: " + readied);
            previous = ORDER.indexOf(component);
        }
    }

    @Test
    void deploysFromABundleFileUnpackedByTheInstaller() throws Exception {
        Path layout = io.infometis.installer.testing.TestBundles.layout(tmp.resolve("layout"))
                .image(io.infometis.installer.testing.TestBundles.TINY_REF, Map.of("a.txt", "a")).done();
        Path file = io.infometis.installer.testing.TestBundles.write(tmp.resolve("infometis-bundle.tar"), layout,
                io.infometis.installer.testing.TestBundles.k0sStandIn(tmp.resolve("k0s")), Path.of("bundle/manifests"),
                BundleSpec.read(Path.of("bundle/bundle.yaml")).volumes(), null);
        var bundleFile = new io.infometis.installer.bundle.BundleFile(file, tmp.resolve("state"), new HostGate(false, null));
        assertEquals(ORDER, bundleFile.manifest().components().stream().map(c -> c.name()).toList(),
                "bundle.json lists the components in folder order");
        controllers = new FakeControllers(recording.newClient());
        InstallOptions options = new InstallOptions(tmp, tmp.resolve("state"), file, null, false, null, null, null, null,
                null);
        PhaseContext ctx = new PhaseContext(options, new HostPaths(tmp, tmp.resolve("state")), new HostGate(false, null),
                Journal.open(journalFile(), false), new Progress(), bundleFile);
        PhaseRunner.Outcome outcome = new PhaseRunner(List.of(phase(c -> Duration.ofSeconds(20)))).run(ctx);
        assertEquals(State.SUCCEEDED, outcome.state(), String.valueOf(outcome.failure()));
        assertNotNull(client.apps().statefulSets().inNamespace("infometis").withName("nifi").get());
        assertEquals(8, client.persistentVolumes().list().getItems().size());
    }

    @Test
    void rerunWritesNothingAndDoesNotWaitForReadyUnchangedComponents() throws Exception {
        controllers = new FakeControllers(recording.newClient());
        assertEquals(State.SUCCEEDED, run(phase(c -> Duration.ofSeconds(20)), new Progress()).state());
        Map<String, String> versions = resourceVersions();
        requests();

        Progress second = new Progress();
        PhaseRunner.Outcome outcome = run(phase(c -> Duration.ofSeconds(20)), second);
        assertEquals(State.SUCCEEDED, outcome.state(), String.valueOf(outcome.failure()));
        assertEquals(versions, resourceVersions(), "no object changed");
        List<String> writes = requests().stream().filter(l -> !l.startsWith("GET ") && !l.startsWith("ready ")).toList();
        assertEquals(List.of(), writes);
        for (String c : ORDER) {
            assertEquals(State.SKIPPED, unitState(second, c), c + " was ready and unchanged");
        }
        assertEquals(State.SKIPPED, unitState(second, StackPhase.VOLUMES_UNIT), "no PersistentVolume written");
        assertTrue(outcome.alreadyDone(), "a rerun that wrote nothing says so");
    }

    @Test
    void changedComponentIsReappliedAndAwaitedAgain() throws Exception {
        Path copy = copyOfBundle();
        bundle = new DirectoryBundle(copy, BundleSpec.read(Path.of("bundle/bundle.yaml")));
        controllers = new FakeControllers(recording.newClient());
        assertEquals(State.SUCCEEDED, run(phase(c -> Duration.ofSeconds(20)), new Progress()).state());
        Path grafana = copy.resolve("manifests/60-grafana/grafana.yaml");
        Files.writeString(grafana, Files.readString(grafana).replace("value: \"false\"\n            - name: GF_ANALYTICS_REPORTING_ENABLED",
                "value: \"false\"\n            - name: GF_USERS_ALLOW_SIGN_UP\n              value: \"false\"\n"
                        + "            - name: GF_ANALYTICS_REPORTING_ENABLED"));
        requests();

        Progress second = new Progress();
        assertEquals(State.SUCCEEDED, run(phase(c -> Duration.ofSeconds(20)), second).state());
        assertEquals(State.SUCCEEDED, unitState(second, "grafana"), "changed, so applied and awaited");
        assertEquals(State.SKIPPED, unitState(second, "prometheus"));
        List<String> writes = requests().stream().filter(l -> l.startsWith("update ") || l.startsWith("create ")).toList();
        assertEquals(List.of("update Deployment/grafana"), writes);
        assertTrue(client.apps().deployments().inNamespace("infometis").withName("grafana").get().getSpec().getTemplate()
                .getSpec().getContainers().get(0).getEnv().stream().anyMatch(e -> e.getName().equals("GF_USERS_ALLOW_SIGN_UP")));
    }

    @Test
    void timeoutNamesTheComponentAndTheUnreadyPodsReason() throws Exception {
        controllers = new FakeControllers(recording.newClient()).hold("kafka");
        client.pods().inNamespace("infometis").resource(new PodBuilder()
                .withNewMetadata().withName("kafka-0").withNamespace("infometis")
                .addToLabels("app.kubernetes.io/name", "kafka").addToLabels("app.kubernetes.io/instance", "infometis")
                .endMetadata()
                .withNewStatus().withPhase("Pending")
                .addNewCondition().withType("Ready").withStatus("False").endCondition()
                .addNewContainerStatus().withName("kafka").withImage("docker.io/apache/kafka:3.9.0").withReady(false)
                .withNewState().withNewWaiting().withReason("ImagePullBackOff")
                .withMessage("Back-off pulling image").endWaiting().endState().endContainerStatus()
                .endStatus().build()).create();

        Progress progress = new Progress();
        PhaseRunner.Outcome outcome = run(phase(c -> c.equals("kafka") ? Duration.ofMillis(400) : Duration.ofSeconds(20)),
                progress);

        assertEquals(State.FAILED, outcome.state());
        ProgressSnapshot.Failure f = outcome.failure();
        assertTrue(f.message().startsWith("stack component kafka not ready after 400 ms: StatefulSet kafka: pod kafka-0 "
                + "ImagePullBackOff (container kafka, image docker.io/apache/kafka:3.9.0)"), f.message());
        assertTrue(f.hint().contains("missing from the bundle"), f.hint());
        assertEquals(State.SUCCEEDED, unitState(progress, "traefik"));
        assertEquals(State.FAILED, unitState(progress, "kafka"));
        assertEquals(State.PENDING, unitState(progress, "schema-registry"), "nothing after the unready component");
        Journal journal = Journal.open(journalFile(), false);
        assertEquals(State.FAILED, journal.unit(StackPhase.NAME, "kafka").state());
    }

    @Test
    void anImageThatCannotBePulledFailsBeforeTheTimeout() throws Exception {
        controllers = new FakeControllers(recording.newClient()).hold("kafka");
        client.pods().inNamespace("infometis").resource(new PodBuilder()
                .withNewMetadata().withName("kafka-0").withNamespace("infometis")
                .addToLabels("app.kubernetes.io/name", "kafka").addToLabels("app.kubernetes.io/instance", "infometis")
                .endMetadata()
                .withNewStatus().withPhase("Pending")
                .addNewInitContainerStatus().withName("fix-ownership").withImage("docker.io/library/busybox:1.35")
                .withNewState().withNewWaiting().withReason("ErrImagePull").endWaiting().endState().endInitContainerStatus()
                .endStatus().build()).create();
        StackPhase phase = new StackPhase(recording::newClient, c -> Duration.ofMinutes(10), Duration.ofMillis(25),
                Duration.ofMillis(300));
        long start = System.nanoTime();
        PhaseRunner.Outcome outcome = run(phase, new Progress());
        assertEquals(State.FAILED, outcome.state());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(30).toNanos(), "failed long before 10 min");
        assertTrue(outcome.failure().message().contains("stack component kafka not ready after ")
                && outcome.failure().message().contains("pod kafka-0 ErrImagePull (container fix-ownership, image "
                        + "docker.io/library/busybox:1.35)"), outcome.failure().message());
        assertTrue(outcome.failure().hint().contains("missing from the bundle"), outcome.failure().hint());
    }

    @Test
    void unreachableApiFailsWithTheApiExitCodeNamingWhatWasBeingApplied() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port;
        StackPhase phase = new StackPhase(() -> new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder().withMasterUrl(url).withRequestRetryBackoffLimit(0)
                        .build()).build(), c -> Duration.ofSeconds(5), Duration.ofMillis(25), Duration.ofMinutes(5));
        PhaseRunner.Outcome outcome = run(phase, new Progress());
        assertEquals(State.FAILED, outcome.state());
        assertEquals(io.infometis.installer.ExitCodes.API_UNREACHABLE, outcome.exitCode());
        assertTrue(outcome.failure().message().startsWith("listing the nodes for the volumes: "
                + "the Kubernetes API did not answer"), outcome.failure().message());
        assertTrue(outcome.failure().hint().contains("k0s status"), outcome.failure().hint());
    }

    @Test
    void resumeAfterACrashAppliesOnlyWhatIsLeft() throws Exception {
        controllers = new FakeControllers(recording.newClient());
        Progress crashing = new Progress();
        // The process dies right after the journal records flink as ready (the journal is written before progress):
        // an Error, so that no catch block of the phase runs, as none would after kill -9.
        crashing.addListener((event, snap) -> {
            if (event.message().startsWith("flink succeeded")) {
                throw new SimulatedCrash();
            }
        });
        assertEquals(State.FAILED, run(phase(c -> Duration.ofSeconds(20)), crashing).state());
        assertNotNull(client.apps().deployments().inNamespace("infometis").withName("flink-taskmanager").get());
        assertEquals(null, client.apps().deployments().inNamespace("infometis").withName("ksqldb-server").get());
        Map<String, String> before = resourceVersions();
        requests();

        Progress resumed = new Progress();
        assertEquals(State.SUCCEEDED, run(phase(c -> Duration.ofSeconds(20)), resumed).state());
        List<String> writes = requests().stream().filter(l -> l.startsWith("update ") || l.startsWith("create ")).toList();
        Map<String, String> componentOf = componentOfObjects();
        List<String> written = writes.stream().map(w -> componentOf.get(w.substring(w.indexOf(' ') + 1))).distinct().toList();
        assertEquals(ORDER.subList(5, ORDER.size()), written, "only ksqldb and what follows is written: " + writes);
        Map<String, String> after = resourceVersions();
        before.forEach((object, version) -> assertEquals(version, after.get(object), object + " untouched"));
        for (String c : ORDER.subList(0, 5)) {
            assertEquals(State.SKIPPED, unitState(resumed, c), c);
        }
        for (String c : ORDER.subList(5, ORDER.size())) {
            assertEquals(State.SUCCEEDED, unitState(resumed, c), c);
        }
    }

    @Test
    void aChangedConfigRollsTheWorkloadsReadingItWhilePrometheusReloadsInstead() throws Exception {
        Path copy = copyOfBundle();
        bundle = new DirectoryBundle(copy, BundleSpec.read(Path.of("bundle/bundle.yaml")));
        controllers = new FakeControllers(recording.newClient());
        assertEquals(State.SUCCEEDED, run(phase(c -> Duration.ofSeconds(20)), new Progress()).state());
        String before = client.apps().deployments().inNamespace("infometis").withName("flink-taskmanager").get().getSpec()
                .getTemplate().getMetadata().getAnnotations().get("checksum/config");
        assertNotNull(before, "the TaskManager's template carries the digest of flink-config");
        var promAnnotations = client.apps().deployments().inNamespace("infometis").withName("prometheus").get().getSpec()
                .getTemplate().getMetadata().getAnnotations();
        assertTrue(promAnnotations == null || !promAnnotations.containsKey("checksum/config"),
                "Prometheus' reloaded config is not in a checksum: " + promAnnotations);
        Path flink = copy.resolve("manifests/30-flink/config.yaml");
        Files.writeString(flink, Files.readString(flink).replace("    parallelism.default: 2\n",
                "    parallelism.default: 2\n    web.cancel.enable: false\n"));
        Path prometheus = copy.resolve("manifests/50-prometheus/config.yaml");
        String config = Files.readString(prometheus).replace("      - job_name: grafana\n",
                "      - job_name: extra\n        static_configs:\n          - targets: ['grafana-service:3000']\n"
                        + "      - job_name: grafana\n");
        Files.writeString(prometheus, config);
        String loaded = ((io.fabric8.kubernetes.api.model.ConfigMap) io.infometis.installer.k8s.StackManifests
                .parse(config, "test").get(0)).getData().get("prometheus.yml");
        String proxy = "/api/v1/namespaces/infometis/services/prometheus-service:http/proxy/";
        server.expect().post().withPath(proxy + "-/reload").andReturn(200, "").always();
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var status = json.createObjectNode();
        status.put("status", "success").putObject("data").put("yaml", loaded);
        server.expect().get().withPath(proxy + "api/v1/status/config").andReturn(200, status.toString()).always();
        var rules = json.createObjectNode();
        var list = rules.putObject("data").putArray("groups").addObject().putArray("rules");
        io.infometis.installer.k8s.PrometheusReload.alerts(((io.fabric8.kubernetes.api.model.ConfigMap)
                io.infometis.installer.k8s.StackManifests.parse(config, "test").get(0)).getData().get("rules.yml"))
                .forEach(a -> list.addObject().put("name", a));
        server.expect().get().withPath(proxy + "api/v1/rules?type=alert").andReturn(200, rules.toString()).always();
        requests();

        Progress second = new Progress();
        List<String> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
        second.addListener((event, snap) -> messages.add(event.message()));
        // A short reload wait: the answers below confirm the reload on the first try.
        PhaseRunner.Outcome outcome = run(new StackPhase(recording::newClient, c -> Duration.ofSeconds(20),
                Duration.ofMillis(25), Duration.ofMinutes(5),
                c -> new io.infometis.installer.k8s.PrometheusReload(c, Duration.ofMillis(200), Duration.ofMillis(50))),
                second);
        assertEquals(State.SUCCEEDED, outcome.state(), String.valueOf(outcome.failure()));
        List<String> log = requests();
        assertTrue(log.contains("POST " + proxy + "-/reload"), "the reload went through the API server's proxy: " + log);
        List<String> writes = log.stream().filter(l -> l.startsWith("update ") || l.startsWith("create ")).toList();
        assertEquals(List.of("update ConfigMap/flink-config", "update Deployment/flink-jobmanager",
                "update Deployment/flink-taskmanager", "update ConfigMap/prometheus-config"), writes);
        assertNotEquals(before, client.apps().deployments().inNamespace("infometis").withName("flink-taskmanager").get()
                .getSpec().getTemplate().getMetadata().getAnnotations().get("checksum/config"), "a new template: rolled");
        assertTrue(messages.stream().anyMatch(m -> m.contains(
                "ConfigMap prometheus-config changed: asking prometheus to reload it")), "the reload was asked for: " + messages);
        assertTrue(messages.stream().noneMatch(m -> m.contains("did not pick up")),
                "and Prometheus reported the new jobs and rules: " + messages);
    }

    @Test
    void summaryGivesTheUiAddressesThroughTraefikAndKafkasBootstrap() throws Exception {
        controllers = new FakeControllers(recording.newClient());
        // The single node's address, as its kubelet reports it.
        client.nodes().withName(FakeControllers.EVERYTHING_PRESENT.name()).editStatus(n -> new io.fabric8.kubernetes.api.model.NodeBuilder(n)
                .editStatus().addNewAddress().withType("InternalIP").withAddress("10.0.0.5").endAddress().endStatus().build());
        Progress progress = new Progress();
        assertEquals(State.SUCCEEDED, run(phase(c -> Duration.ofSeconds(20)), progress).state());
        Map<String, String> summary = new LinkedHashMap<>();
        progress.snapshot().summary().forEach(e -> summary.put(e.name(), e.url()));
        assertEquals("http://10.0.0.5/grafana/", summary.get("Grafana"));
        assertEquals("http://10.0.0.5:8083/", summary.get("Flink UI"));
        assertEquals("http://10.0.0.5/nifi/", summary.get("NiFi"));
        assertEquals("http://10.0.0.5/ksqldb/info", summary.get("ksqlDB REST API"));
        assertEquals("http://10.0.0.5/alertmanager/", summary.get("Alertmanager"));
        assertEquals("http://10.0.0.5/dashboard/", summary.get("Traefik dashboard"));
        assertEquals("kafka-service.infometis.svc.cluster.local:9092", summary.get("Kafka bootstrap (in the cluster)"));
    }

    @Test
    void dryRunPlansEveryComponentFromTheSpecWithoutACluster() {
        List<String> plan = new ArrayList<>();
        Progress progress = new Progress();
        progress.addListener((event, snap) -> {
            if (event.message().startsWith("plan: ")) {
                plan.add(event.message().substring(6));
            }
        });
        InstallOptions options = new InstallOptions(tmp, tmp.resolve("state"), null, Path.of("bundle/bundle.yaml"), true,
                null, null, null, null, null);
        io.infometis.installer.bundle.SpecPlan specPlan = new io.infometis.installer.bundle.SpecPlan(
                BundleSpec.read(Path.of("bundle/bundle.yaml")), "linux/amd64");
        PhaseContext ctx = new PhaseContext(options, new HostPaths(tmp, tmp.resolve("state")), new HostGate(true, null),
                Journal.open(tmp.resolve("state/journal.json"), true), progress, specPlan);
        StackPhase phase = new StackPhase(() -> {
            throw new AssertionError("a dry run connects to no cluster");
        });
        // (base has no workload: nothing to wait for)
        PhaseRunner.Outcome outcome = new PhaseRunner(List.of(phase)).run(ctx);
        assertEquals(State.SUCCEEDED, outcome.state(), String.valueOf(outcome.failure()));
        assertEquals(8 + ORDER.size(), plan.size(), plan.toString());
        assertEquals("apply base (Namespace/infometis, StorageClass/infometis-local)", plan.get(8));
        assertTrue(plan.get(0).startsWith("PersistentVolume infometis-kafka-data " + tmp.resolve("tmp/infometis/volumes/kafka/data")), plan.get(0));
        assertTrue(plan.get(8 + 2).startsWith("apply kafka (PersistentVolumeClaim/kafka-data, Service/kafka-service, "
                + "Service/kafka-headless, StatefulSet/kafka), then wait up to 10 min"), plan.get(10));
        assertEquals(List.of(StackPhase.VOLUMES_UNIT, "base", "traefik"), phase.units(ctx).subList(0, 3));
    }

    // --- helpers ---

    static final class SimulatedCrash extends Error {
        SimulatedCrash() {
            super("simulated crash");
        }
    }

    StackPhase phase(Function<String, Duration> timeouts) {
        return new StackPhase(recording::newClient, timeouts, Duration.ofMillis(25), Duration.ofMinutes(5));
    }

    Path journalFile() {
        return tmp.resolve("state/journal.json");
    }

    /** One install run of the stack phase alone, with a journal on disk that survives between runs. */
    PhaseRunner.Outcome run(StackPhase phase, Progress progress) {
        InstallOptions options = new InstallOptions(tmp, tmp.resolve("state"), null, null, false, null, null, null, null,
                null);
        PhaseContext ctx = new PhaseContext(options, new HostPaths(tmp, tmp.resolve("state")), new HostGate(false, null),
                Journal.open(journalFile(), false), progress, bundle);
        return new PhaseRunner(List.of(phase)).run(ctx);
    }

    static State unitState(Progress progress, String unit) {
        return progress.snapshot().phases().get(0).units().items().stream().filter(u -> u.name().equals(unit))
                .findFirst().orElseThrow(() -> new AssertionError("no unit " + unit)).state();
    }

    /** The requests since the last call, without the pods and events the stand-in kubelet writes. */
    List<String> requests() {
        return recording.drain().stream().filter(l -> !l.startsWith("create Pod/") && !l.startsWith("create Event/"))
                .toList();
    }

    /** "Kind/name" → component, from the bundle's manifests. */
    Map<String, String> componentOfObjects() {
        Map<String, String> out = new LinkedHashMap<>();
        for (var c : bundle.manifest().components()) {
            for (HasMetadata o : io.infometis.installer.k8s.StackManifests.load(bundle.directory(), c).objects()) {
                out.put(o.getKind() + "/" + o.getMetadata().getName(), c.name());
            }
        }
        return out;
    }

    List<String> workloadsOf(String component, Map<String, String> componentOf) {
        return componentOf.entrySet().stream().filter(e -> e.getValue().equals(component)
                && (e.getKey().startsWith("Deployment/") || e.getKey().startsWith("StatefulSet/")))
                .map(e -> e.getKey().substring(e.getKey().indexOf('/') + 1)).toList();
    }

    /** resourceVersion of every stack object in the mock, by "Kind/name". */
    Map<String, String> resourceVersions() {
        Map<String, String> out = new LinkedHashMap<>();
        List<HasMetadata> live = new ArrayList<>();
        for (var c : bundle.manifest().components()) {
            for (HasMetadata o : io.infometis.installer.k8s.StackManifests.load(bundle.directory(), c).objects()) {
                live.add(client.resource(o).get());
            }
        }
        client.persistentVolumes().list().getItems().forEach(live::add);
        for (HasMetadata h : live) {
            if (h == null) {
                continue;
            }
            out.put(h.getKind() + "/" + h.getMetadata().getName(), h.getMetadata().getResourceVersion());
        }
        return out;
    }

    Path copyOfBundle() throws IOException {
        Path root = tmp.resolve("bundle");
        try (Stream<Path> files = Files.walk(Path.of("bundle/manifests"))) {
            for (Path p : files.toList()) {
                Path target = root.resolve(Path.of("bundle").relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return root;
    }
}
