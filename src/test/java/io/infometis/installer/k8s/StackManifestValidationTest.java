package io.infometis.installer.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.BundleSpec;
import io.infometis.installer.bundle.ManifestFolders;

/** The shipped manifests checked with no cluster: what would otherwise surface as a pod stuck on a server. */
class StackManifestValidationTest {
    static final Path BUNDLE = Path.of("bundle");
    static BundleSpec spec;
    static List<BundleManifest.Component> components;
    /** Every object, keyed by "component kind/name". */
    static Map<String, HasMetadata> objects = new LinkedHashMap<>();
    static List<HasMetadata> all = new ArrayList<>();

    @BeforeAll
    static synchronized void load() {
        if (!all.isEmpty()) {
            return;
        }
        spec = BundleSpec.read(BUNDLE.resolve("bundle.yaml"));
        components = ManifestFolders.components(BUNDLE.resolve("manifests"));
        for (BundleManifest.Component c : components) {
            for (HasMetadata o : StackManifests.load(BUNDLE, c).objects()) {
                objects.put(c.name() + " " + o.getKind() + "/" + o.getMetadata().getName(), o);
                all.add(o);
            }
        }
    }

    @Test
    void componentsFollowTheFolderOrder() {
        assertEquals(List.of("base", "traefik", "kafka", "schema-registry", "flink", "ksqldb", "elasticsearch",
                "prometheus", "alertmanager", "grafana", "nifi"), components.stream().map(BundleManifest.Component::name).toList());
        assertEquals(List.of("manifests/00-base/namespace.yaml", "manifests/00-base/storageclass.yaml"),
                components.get(0).manifests());
    }

    @Test
    void everyManifestParsesStrictlyIntoFabric8Models() {
        List<String> unknown = new ArrayList<>();
        objects.forEach((where, o) -> unknownFields(o, where, unknown));
        assertEquals(List.of(), unknown);
        assertTrue(all.size() > 40, "all documents were read: " + all.size());
    }

    @Test
    void strictCheckRejectsAMisspelledField() {
        HasMetadata typo = StackManifests.parse("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x, namespace: infometis}
                spec:
                  replica: 1
                  template:
                    spec:
                      containers: [{name: c, image: i, imagePullPolicy: Never, livenessprobe: {}}]
                """, "test").get(0);
        List<String> unknown = new ArrayList<>();
        unknownFields(typo, "x", unknown);
        assertEquals(2, unknown.size(), unknown.toString());
        assertTrue(unknown.get(0).contains("replica") || unknown.get(1).contains("replica"), unknown.toString());
    }

    @Test
    void imagesMatchTheBundleSpecInBothDirections() {
        Set<String> used = new TreeSet<>();
        for (PodTemplateSpec t : templates().values()) {
            containers(t).forEach(c -> used.add(c.getImage()));
        }
        assertEquals(new TreeSet<>(spec.images()), used, "images used by the manifests vs bundle/bundle.yaml");
        for (String image : used) {
            assertTrue(image.matches("[a-z0-9.-]+\\.[a-z]+/[a-z0-9._/-]+:[A-Za-z0-9._-]+"),
                    image + " is fully qualified and pinned to a tag");
        }
    }

    @Test
    void claimsMatchTheBundleVolumesAndTheirPersistentVolumes() {
        Map<String, PersistentVolumeClaim> claims = new LinkedHashMap<>();
        all.stream().filter(o -> o instanceof PersistentVolumeClaim).forEach(o -> claims.put(o.getMetadata().getName(),
                (PersistentVolumeClaim) o));
        Map<String, BundleManifest.Volume> volumes = new LinkedHashMap<>();
        spec.volumes().forEach(v -> volumes.put(v.claim(), v));
        assertEquals(volumes.keySet(), claims.keySet(), "every PVC has a bundle volume and every volume a PVC");
        BundleManifest manifest = new BundleManifest(1, "t", "t", null, null, null, null, null, spec.volumes(), null);
        List<HasMetadata> pvs = PersistentVolumes.forBundle(manifest, "/tmp/infometis/volumes", "infometis-1");
        assertEquals(volumes.size(), pvs.size());
        for (HasMetadata h : pvs) {
            PersistentVolume pv = (PersistentVolume) h;
            PersistentVolumeClaim pvc = claims.get(pv.getSpec().getClaimRef().getName());
            BundleManifest.Volume v = volumes.get(pvc.getMetadata().getName());
            assertEquals("infometis", pv.getSpec().getClaimRef().getNamespace());
            assertEquals("infometis", pvc.getMetadata().getNamespace());
            assertEquals("infometis-local", pvc.getSpec().getStorageClassName());
            assertEquals(pvc.getSpec().getStorageClassName(), pv.getSpec().getStorageClassName());
            assertEquals(new Quantity(v.size()), pvc.getSpec().getResources().getRequests().get("storage"));
            assertEquals(pv.getSpec().getCapacity().get("storage"), pvc.getSpec().getResources().getRequests().get("storage"));
            assertEquals(pvc.getSpec().getAccessModes(), pv.getSpec().getAccessModes());
            assertEquals("Retain", pv.getSpec().getPersistentVolumeReclaimPolicy());
            assertEquals("/tmp/infometis/volumes/" + v.component() + "/" + v.name(), pv.getSpec().getLocal().getPath());
        }
        Set<String> mounted = new LinkedHashSet<>();
        templates().values().forEach(t -> volumesOf(t).stream().filter(vol -> vol.getPersistentVolumeClaim() != null)
                .forEach(vol -> mounted.add(vol.getPersistentVolumeClaim().getClaimName())));
        assertEquals(claims.keySet(), mounted, "every claim is mounted by a workload");
        StorageClass sc = (StorageClass) objects.get("base StorageClass/infometis-local");
        assertEquals("kubernetes.io/no-provisioner", sc.getProvisioner());
        assertEquals("WaitForFirstConsumer", sc.getVolumeBindingMode());
    }

    @Test
    void serviceSelectorsMatchPodsAndTargetPortsExist() {
        for (HasMetadata o : all) {
            if (!(o instanceof Service s)) {
                continue;
            }
            Map<String, String> selector = s.getSpec().getSelector();
            List<PodTemplateSpec> pods = templates().values().stream()
                    .filter(t -> t.getMetadata().getLabels().entrySet().containsAll(selector.entrySet())).toList();
            assertFalse(pods.isEmpty(), "Service " + s.getMetadata().getName() + " selects no pod");
            for (ServicePort p : s.getSpec().getPorts()) {
                IntOrString target = p.getTargetPort() == null ? new IntOrString(p.getPort()) : p.getTargetPort();
                for (PodTemplateSpec t : pods) {
                    List<ContainerPort> ports = t.getSpec().getContainers().stream()
                            .flatMap(c -> c.getPorts() == null ? Stream.empty() : c.getPorts().stream()).toList();
                    assertTrue(ports.stream().anyMatch(cp -> target.getStrVal() != null ? target.getStrVal().equals(cp.getName())
                            : target.getIntVal().equals(cp.getContainerPort())),
                            "Service " + s.getMetadata().getName() + " targetPort " + target + " exists on its pod");
                }
            }
        }
    }

    static final Pattern ADDRESS = Pattern.compile("\\b([a-z0-9-]+-service)(?::(\\d+))?");

    @Test
    void internalAddressesInConfigurationAreServicesOfTheStack() {
        Map<String, Set<Integer>> services = new HashMap<>();
        all.stream().filter(o -> o instanceof Service).map(o -> (Service) o).forEach(s -> services.put(
                s.getMetadata().getName(), new TreeSet<>(s.getSpec().getPorts().stream().map(ServicePort::getPort).toList())));
        List<String> texts = new ArrayList<>();
        for (HasMetadata o : all) {
            if (o instanceof ConfigMap cm && cm.getData() != null) {
                texts.addAll(cm.getData().values());
            }
        }
        for (PodTemplateSpec t : templates().values()) {
            for (Container c : containers(t)) {
                if (c.getEnv() != null) {
                    c.getEnv().stream().map(EnvVar::getValue).filter(v -> v != null).forEach(texts::add);
                }
                if (c.getArgs() != null) {
                    texts.addAll(c.getArgs());
                }
            }
        }
        Set<String> seen = new TreeSet<>();
        for (String text : texts) {
            Matcher m = ADDRESS.matcher(text);
            while (m.find()) {
                String name = m.group(1);
                assertTrue(services.containsKey(name), name + " (in \"" + m.group() + "\") is a Service of the stack");
                if (m.group(2) != null) {
                    assertTrue(services.get(name).contains(Integer.parseInt(m.group(2))),
                            m.group() + " names a port of Service " + name + " " + services.get(name));
                }
                seen.add(m.group());
            }
        }
        for (HasMetadata o : all) {
            if (o instanceof Ingress ing) {
                ing.getSpec().getRules().forEach(r -> r.getHttp().getPaths().forEach(p -> {
                    IngressBackend b = p.getBackend();
                    String svc = b.getService().getName();
                    assertTrue(services.containsKey(svc), "Ingress " + ing.getMetadata().getName() + " → " + svc);
                    Service s = (Service) all.stream().filter(x -> x instanceof Service && x.getMetadata().getName().equals(svc))
                            .findFirst().orElseThrow();
                    assertTrue(s.getSpec().getPorts().stream().anyMatch(sp -> sp.getName().equals(b.getService().getPort().getName())),
                            "Ingress " + ing.getMetadata().getName() + " names a port of " + svc);
                }));
            }
        }
        assertTrue(seen.containsAll(List.of("kafka-service:9092", "elasticsearch-service:9200",
                "flink-jobmanager-service", "prometheus-service:9090", "schema-registry-service:8081",
                "alertmanager-service:9093")), "the scan saw the stack's addresses: " + seen);
    }

    @Test
    void everyContainerHasProbesAndResourcesWithinTheAgreedRanges() {
        templates().forEach((workload, t) -> {
            for (Container c : t.getSpec().getContainers()) {
                String where = workload + " container " + c.getName();
                probeWithinRanges(c.getReadinessProbe(), where + " readiness");
                probeWithinRanges(c.getLivenessProbe(), where + " liveness");
            }
            for (Container c : containers(t)) {
                String where = workload + " container " + c.getName();
                assertTrue(c.getResources() != null && c.getResources().getRequests() != null
                        && c.getResources().getLimits() != null, where + " has requests and limits");
                for (String r : List.of("cpu", "memory")) {
                    Quantity req = c.getResources().getRequests().get(r);
                    Quantity lim = c.getResources().getLimits().get(r);
                    assertTrue(req != null && lim != null, where + " " + r);
                    assertTrue(req.getNumericalAmount().compareTo(lim.getNumericalAmount()) <= 0, where + " " + r + " request ≤ limit");
                }
                assertTrue(Set.of("IfNotPresent", "Never").contains(c.getImagePullPolicy()), where + " air-gap pull policy");
            }
        });
        // The hungry ones get more than the default: Kafka and Elasticsearch memory, Flink's TaskManager CPU.
        assertTrue(limit("kafka", "memory") > limit("schema-registry", "memory"));
        assertTrue(limit("elasticsearch", "memory") > limit("schema-registry", "memory"));
        assertTrue(limit("flink-taskmanager", "cpu") > limit("schema-registry", "cpu"));
    }

    @Test
    void workloadsCarryStandardLabelsAndFixVolumeOwnershipFirst() {
        Map<String, String> owners = Map.of("kafka", "1000:1000", "elasticsearch", "1000:0", "prometheus", "65534:65534",
                "grafana", "472:0", "nifi", "1000:1000");
        templates().forEach((workload, t) -> {
            for (String key : List.of("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component",
                    "app.kubernetes.io/part-of", "app.kubernetes.io/version")) {
                assertTrue(t.getMetadata().getLabels().containsKey(key), workload + " pod label " + key);
            }
            boolean claims = volumesOf(t).stream().anyMatch(v -> v.getPersistentVolumeClaim() != null);
            if (claims) {
                Container init = t.getSpec().getInitContainers().get(0);
                assertEquals("docker.io/library/busybox:1.35", init.getImage(), workload);
                assertEquals(List.of("chown", "-R", owners.get(workload)), init.getCommand().subList(0, 3), workload);
                assertEquals(0L, init.getSecurityContext().getRunAsUser(), workload);
            }
        });
        for (HasMetadata o : all) {
            assertTrue(o.getMetadata().getLabels() != null
                    && o.getMetadata().getLabels().containsKey("app.kubernetes.io/name")
                    && "infometis".equals(o.getMetadata().getLabels().get("app.kubernetes.io/part-of")),
                    o.getKind() + "/" + o.getMetadata().getName() + " has app.kubernetes.io labels");
            boolean clusterScoped = o instanceof Namespace || o instanceof StorageClass || o.getKind().startsWith("Cluster")
                    || o.getKind().equals("IngressClass");
            assertEquals(clusterScoped ? null : "infometis", o.getMetadata().getNamespace(),
                    o.getKind() + "/" + o.getMetadata().getName() + " namespace");
        }
    }

    @Test
    void settingsTheStackPromisesAreInTheManifests() {
        String kafka = envOf("kafka");
        assertTrue(kafka.contains("KAFKA_PROCESS_ROLES=broker,controller"), "KRaft");
        assertTrue(kafka.contains("KAFKA_AUTO_CREATE_TOPICS_ENABLE=true"));
        assertTrue(envOf("schema-registry").contains("kafka-service:9092"));
        assertTrue(envOf("ksqldb-server").contains("KSQL_KSQL_STREAMS_PROCESSING_GUARANTEE=exactly_once_v2"));
        String flink = ((ConfigMap) objects.get("flink ConfigMap/flink-config")).getData().toString();
        assertTrue(flink.contains("execution.checkpointing.interval: 60s"));
        assertTrue(flink.contains("taskmanager.memory.managed.fraction: 0.3"));
        assertFalse(flink.contains("nproc"), "slots follow the CPU limit, not the node's cores");
        assertTrue(envOf("elasticsearch").contains("discovery.type=single-node"));
        assertTrue(String.join(" ", containers(templates().get("prometheus")).get(1).getArgs())
                .contains("--storage.tsdb.retention.time=15d"));
        String prometheus = ((ConfigMap) objects.get("prometheus ConfigMap/prometheus-config")).getData().get("prometheus.yml");
        assertTrue(prometheus.contains("flink-jobmanager-service:9249"));
        String grafana = ((ConfigMap) objects.get("grafana ConfigMap/grafana-provisioning")).getData().get("datasources.yaml");
        assertTrue(grafana.contains("type: prometheus") && grafana.contains("type: elasticsearch"));
        assertTrue(((ConfigMap) objects.get("grafana ConfigMap/grafana-dashboards")).getData().containsKey("infometis-stack.json"));
        assertTrue(((ConfigMap) objects.get("nifi ConfigMap/nifi-variables")).getData().get("infometis.properties")
                .contains("kafka.brokers: kafka-service:9092"));
        assertEquals(4, volumesOf(templates().get("nifi")).stream().filter(v -> v.getPersistentVolumeClaim() != null).count());
        String traefik = String.join(" ", templates().get("traefik").getSpec().getContainers().get(0).getArgs());
        assertTrue(traefik.contains("--entryPoints.flink.address=:8083"));
        assertEquals("flink", ((Ingress) objects.get("flink Ingress/flink-ui")).getMetadata().getAnnotations()
                .get("traefik.ingress.kubernetes.io/router.entrypoints"));
    }

    static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    /** Rules the API server enforces and fabric8's models do not: caught here instead of on the server. */
    @Test
    void namesPortsAndReferencesPassTheApiServersRules() {
        Map<String, ConfigMap> configMaps = new HashMap<>();
        all.stream().filter(o -> o instanceof ConfigMap).forEach(o -> configMaps.put(o.getMetadata().getName(), (ConfigMap) o));
        for (HasMetadata o : all) {
            String name = o.getMetadata().getName();
            assertTrue(name.length() <= 63 && DNS_LABEL.matcher(name).matches(), o.getKind() + " name " + name);
            o.getMetadata().getLabels().forEach((k, v) -> assertTrue(v.length() <= 63
                    && v.matches("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"), name + " label " + k + "=" + v));
        }
        templates().forEach((workload, t) -> {
            Set<String> volumes = new TreeSet<>(volumesOf(t).stream().map(Volume::getName).toList());
            for (Volume v : volumesOf(t)) {
                if (v.getConfigMap() != null) {
                    ConfigMap cm = configMaps.get(v.getConfigMap().getName());
                    assertNotNull(cm, workload + " volume " + v.getName() + " names a ConfigMap of the stack");
                    if (v.getConfigMap().getItems() != null) {
                        v.getConfigMap().getItems().forEach(i -> assertTrue(cm.getData().containsKey(i.getKey()),
                                workload + " ConfigMap key " + i.getKey()));
                    }
                }
            }
            for (Container c : containers(t)) {
                String where = workload + " container " + c.getName();
                Set<String> ports = new TreeSet<>();
                if (c.getPorts() != null) {
                    for (ContainerPort p : c.getPorts()) {
                        assertTrue(p.getName().length() <= 15 && PORT_NAME.matcher(p.getName()).matches(),
                                where + " port name " + p.getName() + " (IANA service name, at most 15 characters)");
                        ports.add(p.getName());
                    }
                }
                for (Probe p : Stream.of(c.getReadinessProbe(), c.getLivenessProbe()).filter(p -> p != null).toList()) {
                    IntOrString port = p.getHttpGet() != null ? p.getHttpGet().getPort()
                            : p.getTcpSocket() != null ? p.getTcpSocket().getPort() : null;
                    assertNotNull(port, where + " probe checks a port");
                    if (port.getStrVal() != null) {
                        assertTrue(ports.contains(port.getStrVal()), where + " probe port " + port.getStrVal() + " is declared");
                    }
                }
                if (c.getVolumeMounts() != null) {
                    c.getVolumeMounts().forEach(m -> assertTrue(volumes.contains(m.getName()),
                            where + " mounts volume " + m.getName() + " of its pod"));
                }
                if (c.getEnv() != null) {
                    for (EnvVar e : c.getEnv()) {
                        assertTrue(e.getName().matches("[-._a-zA-Z][-._a-zA-Z0-9]*"), where + " env name " + e.getName());
                        if (e.getValueFrom() != null && e.getValueFrom().getConfigMapKeyRef() != null) {
                            var ref = e.getValueFrom().getConfigMapKeyRef();
                            assertTrue(configMaps.containsKey(ref.getName())
                                    && configMaps.get(ref.getName()).getData().containsKey(ref.getKey()),
                                    where + " env " + e.getName() + " → ConfigMap " + ref.getName() + " key " + ref.getKey());
                        }
                    }
                }
            }
        });
    }

    @Test
    void configurationFilesInConfigMapsParse() throws Exception {
        var yaml = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        int parsed = 0;
        for (HasMetadata o : all) {
            if (o instanceof ConfigMap cm) {
                for (var e : cm.getData().entrySet()) {
                    if (e.getKey().endsWith(".json")) {
                        assertNotNull(json.readTree(e.getValue()), e.getKey());
                        parsed++;
                    } else if (e.getKey().endsWith(".yaml") || e.getKey().endsWith(".yml")) {
                        assertTrue(yaml.readTree(e.getValue()).isObject(), cm.getMetadata().getName() + " " + e.getKey());
                        parsed++;
                    }
                }
            }
        }
        assertEquals(11, parsed, "Traefik's middlewares, prometheus.yml, rules.yml, alertmanager.yml, Grafana's datasources "
                + "and dashboard provider, five dashboards");
    }

    // --- item 4: small corrections ---

    @Test
    void everyStatefulSetNamesAHeadlessServiceThatSelectsItsPods() {
        List<StatefulSet> sets = all.stream().filter(o -> o instanceof StatefulSet).map(o -> (StatefulSet) o).toList();
        assertEquals(3, sets.size());
        for (StatefulSet s : sets) {
            Service svc = (Service) all.stream().filter(o -> o instanceof Service
                    && o.getMetadata().getName().equals(s.getSpec().getServiceName())).findFirst()
                    .orElseThrow(() -> new AssertionError(s.getMetadata().getName() + " serviceName names no Service"));
            assertEquals("None", svc.getSpec().getClusterIP(), svc.getMetadata().getName() + " is headless");
            assertTrue(s.getSpec().getTemplate().getMetadata().getLabels().entrySet()
                    .containsAll(svc.getSpec().getSelector().entrySet()), svc.getMetadata().getName() + " selects the pods");
        }
    }

    @Test
    void nifiHasAStartupProbeCoveringTenMinutesOfFirstBoot() {
        Container nifi = templates().get("nifi").getSpec().getContainers().get(0);
        Probe startup = nifi.getStartupProbe();
        assertNotNull(startup, "NiFi startupProbe");
        int window = startup.getInitialDelaySeconds() + startup.getFailureThreshold() * startup.getPeriodSeconds();
        assertTrue(window >= 600, "startup window " + window + " s ≥ 10 min (NAR unpacking on a slow node)");
        int livenessBefore = nifi.getLivenessProbe().getInitialDelaySeconds()
                + nifi.getLivenessProbe().getFailureThreshold() * nifi.getLivenessProbe().getPeriodSeconds();
        assertTrue(window > livenessBefore, "the startup probe, not liveness alone, covers the first boot");
        assertEquals("http", startup.getTcpSocket().getPort().getStrVal());
    }

    @Test
    void flinkTaskSlotsFollowTheTaskManagersCpuLimit() {
        Container tm = templates().get("flink-taskmanager").getSpec().getContainers().get(0);
        EnvVar slots = tm.getEnv().stream().filter(e -> e.getName().equals("TASK_SLOTS")).findFirst().orElseThrow();
        var ref = slots.getValueFrom().getResourceFieldRef();
        assertEquals("limits.cpu", ref.getResource());
        assertEquals(tm.getName(), ref.getContainerName());
        assertEquals(new Quantity("1"), ref.getDivisor());
        ConfigMap config = (ConfigMap) objects.get("flink ConfigMap/flink-config");
        assertTrue(config.getData().get("start.sh").contains("taskmanager.numberOfTaskSlots: ${TASK_SLOTS}"));
        int cores = (int) Math.ceil(limit("flink-taskmanager", "cpu"));
        assertTrue(config.getData().get("flink-properties").contains("parallelism.default: " + cores + "\n"),
                "default parallelism = the TaskManager's slots (" + cores + ")");
        Container jm = templates().get("flink-jobmanager").getSpec().getContainers().get(0);
        assertTrue(jm.getEnv().stream().noneMatch(e -> e.getName().equals("TASK_SLOTS")), "the JobManager has no slots");
    }

    // --- item 1: behind the path prefixes ---

    /** The strip prefixes of Traefik's file-provider middlewares, by middleware name. */
    static Map<String, List<String>> stripMiddlewares() throws Exception {
        var yaml = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        var tree = yaml.readTree(((ConfigMap) objects.get("traefik ConfigMap/traefik-dynamic")).getData().get("middlewares.yaml"));
        Map<String, List<String>> out = new HashMap<>();
        tree.path("http").path("middlewares").fields().forEachRemaining(e -> {
            List<String> prefixes = new ArrayList<>();
            e.getValue().path("stripPrefix").path("prefixes").forEach(p -> prefixes.add(p.asText()));
            out.put(e.getKey(), prefixes);
        });
        return out;
    }

    static String arg(String workload, String flag) {
        return templates().get(workload).getSpec().getContainers().get(0).getArgs().stream()
                .filter(a -> a.startsWith(flag + "=")).map(a -> a.substring(flag.length() + 1)).findFirst().orElse(null);
    }

    @Test
    void everyUiBehindAPrefixHasTheStripMiddlewareAndKnowsItsPath() throws Exception {
        Map<String, List<String>> strips = stripMiddlewares();
        Map<String, String> pathOf = new HashMap<>();
        for (HasMetadata o : all) {
            if (!(o instanceof Ingress ing) || !"web".equals(ing.getMetadata().getAnnotations()
                    .get("traefik.ingress.kubernetes.io/router.entrypoints"))) {
                continue;
            }
            String middlewares = ing.getMetadata().getAnnotations().getOrDefault("traefik.ingress.kubernetes.io/router.middlewares", "");
            for (var rule : ing.getSpec().getRules()) {
                for (var p : rule.getHttp().getPaths()) {
                    pathOf.put(ing.getMetadata().getName(), p.getPath());
                    List<String> applied = new ArrayList<>();
                    for (String m : middlewares.split(",")) {
                        if (!m.isBlank()) {
                            String name = m.strip().replace("@file", "");
                            assertTrue(strips.containsKey(name), ing.getMetadata().getName() + " names middleware " + name);
                            applied.addAll(strips.get(name));
                        }
                    }
                    if (ing.getMetadata().getName().equals("nifi")) {
                        assertEquals(List.of(), applied, "NiFi serves its own context paths: nothing stripped");
                        assertTrue(p.getPath().startsWith("/nifi"));
                    } else {
                        assertEquals(List.of(p.getPath()), applied, ing.getMetadata().getName() + " strips exactly its path");
                    }
                }
            }
        }
        assertEquals("/prometheus", pathOf.get("prometheus"));
        assertEquals("http://$(HOST_IP)/prometheus/", arg("prometheus", "--web.external-url"));
        assertEquals("/", arg("prometheus", "--web.route-prefix"));
        assertEquals("/alertmanager", pathOf.get("alertmanager"));
        assertEquals("http://$(HOST_IP)/alertmanager/", arg("alertmanager", "--web.external-url"));
        assertEquals("/", arg("alertmanager", "--web.route-prefix"));
        for (String w : List.of("prometheus", "alertmanager")) {
            EnvVar host = templates().get(w).getSpec().getContainers().get(0).getEnv().stream()
                    .filter(e -> e.getName().equals("HOST_IP")).findFirst().orElseThrow();
            assertEquals("status.hostIP", host.getValueFrom().getFieldRef().getFieldPath(), w + " HOST_IP is the node's address");
        }
        String grafana = envOf("grafana");
        assertEquals("/grafana", pathOf.get("grafana"));
        assertTrue(grafana.contains("GF_SERVER_ROOT_URL=%(protocol)s://%(domain)s/grafana/\n"), grafana);
        assertTrue(grafana.contains("GF_SERVER_SERVE_FROM_SUB_PATH=false\n"), "stripped by Traefik, so served from the root");
        assertEquals("/ksqldb", pathOf.get("ksqldb"));
        assertEquals("/schema-registry", pathOf.get("schema-registry"));
        assertEquals("/elasticsearch", pathOf.get("elasticsearch"));
    }

    @Test
    void theUisWithRelativeLinksGetATrailingSlashAndTraefiksDashboardIsRouted() throws Exception {
        var yaml = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        var http = yaml.readTree(((ConfigMap) objects.get("traefik ConfigMap/traefik-dynamic")).getData()
                .get("middlewares.yaml")).path("http");
        Pattern slash = Pattern.compile(http.path("middlewares").path("slash").path("redirectRegex").path("regex").asText());
        for (String ui : List.of("grafana", "prometheus", "alertmanager", "dashboard")) {
            assertTrue(slash.matcher("http://10.0.0.5/" + ui).matches(), ui + " gets its trailing slash");
            assertFalse(slash.matcher("http://10.0.0.5/" + ui + "/").matches(), ui + "/ is left alone");
        }
        for (String ui : List.of("grafana", "prometheus", "alertmanager")) {
            assertTrue(((Ingress) objects.get(ui + " Ingress/" + ui)).getMetadata().getAnnotations()
                    .get("traefik.ingress.kubernetes.io/router.middlewares").startsWith("slash@file,"), ui);
        }
        assertEquals("api@internal", http.path("routers").path("dashboard").path("service").asText());
        assertTrue(String.join(" ", templates().get("traefik").getSpec().getContainers().get(0).getArgs())
                .contains("--api.dashboard=true"));
    }

    @Test
    void everyAddressInTheAccessSummaryIsRouted() throws Exception {
        Set<String> routed = new TreeSet<>(List.of("/dashboard"));
        all.stream().filter(o -> o instanceof Ingress).map(o -> (Ingress) o).forEach(i -> i.getSpec().getRules()
                .forEach(r -> r.getHttp().getPaths().forEach(p -> routed.add(p.getPath()))));
        for (var e : StackAccess.summary("10.0.0.5")) {
            if (!e.url().startsWith("http://")) {
                continue;
            }
            URI u = URI.create(e.url());
            if (u.getPort() == 8083) {
                assertEquals("/", u.getPath(), "Flink's own entry point serves it at the root");
                continue;
            }
            String first = "/" + u.getPath().split("/")[1];
            assertTrue(routed.contains(first), e.name() + " " + e.url() + " is routed: " + routed);
        }
    }

    // --- item 5: monitoring ---

    @Test
    void everyComponentIsScrapedDirectlyOrThroughAnExporter() throws Exception {
        String config = ((ConfigMap) objects.get("prometheus ConfigMap/prometheus-config")).getData().get("prometheus.yml");
        for (String target : List.of("kafka-exporter-service:9308", "elasticsearch-exporter-service:9114",
                "node-exporter-service:9100", "kube-state-metrics-service:8080", "flink-jobmanager-service:9249",
                "traefik-service:9000", "nifi-service:8080", "grafana-service:3000", "alertmanager-service:9093")) {
            assertTrue(config.contains("'" + target + "'"), target + " is scraped");
        }
        assertTrue(config.contains("/api/v1/nodes/${1}/proxy/metrics/cadvisor"), "cAdvisor through the API server");
        assertEquals("prometheus", templates().get("prometheus").getSpec().getServiceAccountName());
        var role = (io.fabric8.kubernetes.api.model.rbac.ClusterRole) objects.get("prometheus ClusterRole/infometis-prometheus");
        assertTrue(role.getRules().get(0).getResources().contains("nodes/proxy"));
        assertEquals(List.of("get", "list", "watch"), role.getRules().get(0).getVerbs(), "read-only");
    }

    @Test
    void nodeExporterReadsTheHostReadOnlyWithNoHostNamespaces() {
        PodTemplateSpec t = templates().get("node-exporter");
        assertTrue(t.getSpec().getHostNetwork() == null || !t.getSpec().getHostNetwork(), "no host network");
        assertTrue(t.getSpec().getHostPID() == null || !t.getSpec().getHostPID(), "no host PID namespace");
        Container c = t.getSpec().getContainers().get(0);
        assertTrue(c.getSecurityContext().getPrivileged() == null || !c.getSecurityContext().getPrivileged());
        assertEquals(65534L, t.getSpec().getSecurityContext().getRunAsUser());
        Set<String> hostPaths = new TreeSet<>();
        for (Volume v : volumesOf(t)) {
            assertNotNull(v.getHostPath(), v.getName());
            hostPaths.add(v.getHostPath().getPath());
            assertTrue(c.getVolumeMounts().stream().filter(m -> m.getName().equals(v.getName()))
                    .allMatch(m -> Boolean.TRUE.equals(m.getReadOnly())), v.getName() + " is mounted read-only");
        }
        assertEquals(Set.of("/", "/proc", "/sys"), hostPaths);
    }

    @Test
    void dashboardsCoverThePlatform() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        ConfigMap dashboards = (ConfigMap) objects.get("grafana ConfigMap/grafana-dashboards");
        StringBuilder exprs = new StringBuilder();
        for (var e : dashboards.getData().entrySet()) {
            var d = json.readTree(e.getValue());
            assertEquals(e.getKey(), d.path("uid").asText() + ".json", "file named by uid");
            d.path("panels").forEach(p -> p.path("targets").forEach(t -> exprs.append(t.path("expr").asText()).append('\n')));
        }
        for (String metric : List.of("kafka_brokers", "kafka_consumergroup_lag", "kafka_topic_partition_current_offset",
                "flink_jobmanager_job_numberOfCompletedCheckpoints", "flink_jobmanager_numRunningJobs",
                "elasticsearch_cluster_health_status", "node_cpu_seconds_total", "node_memory_MemAvailable_bytes",
                "node_filesystem_avail_bytes", "kubelet_volume_stats_available_bytes")) {
            assertTrue(exprs.toString().contains(metric), "a panel shows " + metric);
        }
    }

    @Test
    void requestsStayWithinWhatPreflightRecommendsAndTheDocsSayThem() throws Exception {
        double cpu = 0;
        double memory = 0;
        for (PodTemplateSpec t : templates().values()) {
            for (Container c : t.getSpec().getContainers()) {
                cpu += c.getResources().getRequests().get("cpu").getNumericalAmount().doubleValue();
                memory += c.getResources().getRequests().get("memory").getNumericalAmount().doubleValue();
            }
        }
        assertTrue(cpu <= 8 && memory <= 32.0 * (1L << 30), "requests " + cpu + " CPUs, " + memory / (1L << 30)
                + " GiB within preflight's recommended 8 CPUs and 32 GiB");
        String docs = Files.readString(Path.of("docs/stack.md"));
        String figure = String.format(java.util.Locale.ROOT, "%.2f CPUs and %.1f GiB", cpu, memory / (1L << 30));
        assertTrue(docs.contains(figure), "docs/stack.md states the requests: " + figure);
    }

    // --- helpers ---

    /** Pod templates by workload name. */
    static Map<String, PodTemplateSpec> templates() {
        Map<String, PodTemplateSpec> out = new LinkedHashMap<>();
        for (HasMetadata o : all) {
            if (o instanceof Deployment d) {
                out.put(d.getMetadata().getName(), d.getSpec().getTemplate());
            } else if (o instanceof StatefulSet s) {
                out.put(s.getMetadata().getName(), s.getSpec().getTemplate());
            } else if (o instanceof DaemonSet ds) {
                out.put(ds.getMetadata().getName(), ds.getSpec().getTemplate());
            }
        }
        return out;
    }

    static List<Container> containers(PodTemplateSpec t) {
        List<Container> out = new ArrayList<>();
        if (t.getSpec().getInitContainers() != null) {
            out.addAll(t.getSpec().getInitContainers());
        }
        out.addAll(t.getSpec().getContainers());
        return out;
    }

    static List<Volume> volumesOf(PodTemplateSpec t) {
        return t.getSpec().getVolumes() == null ? List.of() : t.getSpec().getVolumes();
    }

    static String envOf(String workload) {
        StringBuilder sb = new StringBuilder();
        for (Container c : templates().get(workload).getSpec().getContainers()) {
            c.getEnv().forEach(e -> sb.append(e.getName()).append('=').append(e.getValue()).append('\n'));
        }
        return sb.toString();
    }

    static double limit(String workload, String resource) {
        return templates().get(workload).getSpec().getContainers().get(0).getResources().getLimits().get(resource)
                .getNumericalAmount().doubleValue();
    }

    static void probeWithinRanges(Probe p, String where) {
        assertTrue(p != null, where + " probe exists");
        assertTrue(p.getInitialDelaySeconds() >= 30 && p.getInitialDelaySeconds() <= 60, where + " initial delay 30–60 s");
        assertTrue(p.getPeriodSeconds() >= 10 && p.getPeriodSeconds() <= 30, where + " period 10–30 s");
        assertTrue(p.getTimeoutSeconds() >= 5 && p.getTimeoutSeconds() <= 10, where + " timeout 5–10 s");
        assertTrue(p.getFailureThreshold() >= 3 && p.getFailureThreshold() <= 5, where + " failure threshold 3–5");
    }

    /**
     * fabric8 keeps fields it does not know in {@code additionalProperties} instead of failing; a field there is a
     * misspelling or a field of another API version, so it is reported with its path.
     */
    static void unknownFields(Object o, String path, List<String> out) {
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unknownFields(v, path + "." + k, out));
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                unknownFields(e, path + "[" + i++ + "]", out);
            }
            return;
        }
        if (o == null || !o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object v;
            try {
                v = m.invoke(o);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    out.add(path + ": unknown field(s) " + extra.keySet());
                }
            } else {
                unknownFields(v, path + "." + m.getName().substring(3), out);
            }
        }
    }
}
