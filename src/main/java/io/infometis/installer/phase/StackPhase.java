package io.infometis.installer.phase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.bundle.ManifestFolders;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.install.Journal;
import io.infometis.installer.k8s.ConfigChecksums;
import io.infometis.installer.k8s.PersistentVolumes;
import io.infometis.installer.k8s.PrometheusReload;
import io.infometis.installer.k8s.Readiness;
import io.infometis.installer.k8s.StackAccess;
import io.infometis.installer.k8s.StackApplier;
import io.infometis.installer.k8s.StackManifests;
import io.infometis.installer.progress.ProgressSnapshot.AccessEntry;
import io.infometis.installer.progress.State;

/**
 * Applies the InfoMetis stack: the volumes' PersistentVolumes, then each component in the order of its manifest
 * folder, waiting until each one is ready before the next starts. The journal keeps, per component, the digest
 * of the manifests it was ready with: a rerun re-applies (and writes only what differs) but does not wait again
 * for a component that was ready and has not changed.
 */
public final class StackPhase implements Phase {
    public static final String NAME = "stack";
    static final String VOLUMES_UNIT = "persistent-volumes";
    static final Duration DEFAULT_COMPONENT_TIMEOUT = Duration.ofMinutes(10);
    /** The slow starters: Elasticsearch and NiFi each take minutes on a busy node. */
    static final Map<String, Duration> SLOW = Map.of("elasticsearch", Duration.ofMinutes(15), "nifi",
            Duration.ofMinutes(15));

    private final Supplier<KubernetesClient> clients;
    private final Function<String, Duration> componentTimeout;
    private final Duration pollInterval;
    private final Duration pullGrace;
    private final Function<KubernetesClient, PrometheusReload> reloader;

    /**
     * Production: 10 min per component (15 for Elasticsearch and NiFi), polled every 2 s; a pod that cannot pull
     * its image for 90 s fails the component at once (kubelet retries a failed pull within about a minute, and in
     * an air gap a retry cannot succeed).
     */
    public StackPhase(Supplier<KubernetesClient> clients) {
        this(clients, c -> SLOW.getOrDefault(c, DEFAULT_COMPONENT_TIMEOUT), Duration.ofSeconds(2),
                Duration.ofSeconds(90));
    }

    public StackPhase(Supplier<KubernetesClient> clients, Function<String, Duration> componentTimeout,
            Duration pollInterval, Duration pullGrace) {
        // Up to 3 min: the kubelet's ConfigMap refresh plus Prometheus' own reload; retried every 5 s.
        this(clients, componentTimeout, pollInterval, pullGrace,
                c -> new PrometheusReload(c, Duration.ofMinutes(3), Duration.ofSeconds(5)));
    }

    StackPhase(Supplier<KubernetesClient> clients, Function<String, Duration> componentTimeout, Duration pollInterval,
            Duration pullGrace, Function<KubernetesClient, PrometheusReload> reloader) {
        this.clients = clients;
        this.componentTimeout = componentTimeout;
        this.pollInterval = pollInterval;
        this.pullGrace = pullGrace;
        this.reloader = reloader;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String title() {
        return "Deploy the InfoMetis stack and wait until each component is ready";
    }

    /** Every component may use its whole timeout: eleven components at 10 to 15 min each. */
    @Override
    public Duration timeout() {
        return Duration.ofMinutes(150);
    }

    @Override
    public double weight() {
        return 5;
    }

    @Override
    public List<String> units(PhaseContext ctx) {
        List<String> units = new ArrayList<>();
        units.add(VOLUMES_UNIT);
        try {
            plannedComponents(ctx).forEach(c -> units.add(c.name()));
        } catch (RuntimeException unknownYet) {
            // Registered in run() once the bundle is unpacked.
        }
        return units;
    }

    @Override
    public void run(PhaseContext ctx) throws Exception {
        InstallBundle bundle = ctx.bundle();
        Path dir = bundle.directory();
        List<BundleManifest.Component> components = components(bundle.manifest(), dir);
        ctx.progress().registerUnits(ctx.phase(), components.stream().map(BundleManifest.Component::name).toList());
        List<StackManifests.Loaded> loaded = new ArrayList<>();
        components.forEach(c -> loaded.add(StackManifests.load(dir, c)));
        // Every ConfigMap and Secret of the stack, so a workload's checksum/config covers whatever it reads.
        Map<String, String> configs = ConfigChecksums.of(loaded.stream().flatMap(l -> l.objects().stream()).toList());
        try (KubernetesClient client = clients.get()) {
            StackApplier applier = new StackApplier(client, ctx::warn, Duration.ofMinutes(2), Duration.ofSeconds(1));
            applyVolumes(ctx, client);
            Readiness readiness = new Readiness(client, pollInterval, pullGrace, ctx::checkCancelled);
            for (StackManifests.Loaded l : loaded) {
                deploy(ctx, client, applier, readiness, new StackManifests.Loaded(l.component(),
                        ConfigChecksums.stamp(l.objects(), configs), l.digest()));
            }
            List<AccessEntry> summary = StackAccess.summary(client);
            ctx.progress().setSummary(summary);
            summary.forEach(e -> ctx.step(e.name() + ": " + e.url()));
        }
    }

    /** The PVs first: each claim the components make then binds to its own directory on this node. */
    private void applyVolumes(PhaseContext ctx, KubernetesClient client) {
        ctx.unitStarted(VOLUMES_UNIT);
        try {
            PersistentVolumes.Applied r = PersistentVolumes.onThisHost(client)
                    .apply(ctx.bundle().manifest(), volumesDir(ctx), ctx::warn);
            if (r.written() == 0) {
                ctx.unitSkipped(VOLUMES_UNIT, r.summary());
            } else {
                ctx.unitDone(VOLUMES_UNIT, r.summary());
            }
        } catch (RuntimeException e) {
            ctx.unitFailed(VOLUMES_UNIT, e.getMessage());
            throw e;
        }
    }

    private void deploy(PhaseContext ctx, KubernetesClient client, StackApplier applier, Readiness readiness,
            StackManifests.Loaded c) throws InterruptedException {
        ctx.unitStarted(c.name());
        try {
            int written = 0;
            Set<String> updatedConfigs = new HashSet<>();
            for (HasMetadata o : c.objects()) {
                StackApplier.Result r = apply(applier, o, c.name());
                written += r == StackApplier.Result.CREATED || r == StackApplier.Result.UPDATED
                        || r == StackApplier.Result.RECREATED ? 1 : 0;
                if (o instanceof ConfigMap && r == StackApplier.Result.UPDATED) {
                    updatedConfigs.add(o.getMetadata().getName());
                }
            }
            liveReloads(ctx, client, c, updatedConfigs);
            if (written == 0 && wasReady(ctx.journal(), ctx.phase(), c)) {
                ctx.unitSkipped(c.name(), "ready and unchanged, manifests " + c.digest());
                return;
            }
            Duration timeout = componentTimeout.apply(c.name());
            if (!Readiness.workloads(c.objects()).isEmpty()) {
                ctx.step("waiting for " + c.name() + " to be ready (up to " + timeout.toMinutes() + " min)");
            }
            readiness.await(c.name(), c.objects(), timeout);
            ctx.unitDone(c.name(), "ready, " + written + " of " + c.objects().size() + " objects written, manifests "
                    + c.digest());
        } catch (RuntimeException | InterruptedException e) {
            ctx.unitFailed(c.name(), e.getMessage());
            throw e;
        }
    }

    /**
     * A workload that reloads a changed ConfigMap itself (it names it in {@link ConfigChecksums#LIVE_RELOAD}) is
     * asked to, instead of being restarted. Prometheus is the one that does; its reload is checked, and a reload
     * that does not take is a warning, not a failure: Prometheus keeps running with its previous configuration.
     */
    private void liveReloads(PhaseContext ctx, KubernetesClient client, StackManifests.Loaded c, Set<String> updated)
            throws InterruptedException {
        for (HasMetadata o : Readiness.workloads(c.objects())) {
            for (String name : ConfigChecksums.liveReloaded(o)) {
                if (!updated.contains(name) || !(o instanceof Deployment d)) {
                    continue;
                }
                ConfigMap cm = (ConfigMap) c.objects().stream().filter(x -> x instanceof ConfigMap
                        && x.getMetadata().getName().equals(name)).findFirst().orElseThrow();
                ctx.step("ConfigMap " + name + " changed: asking " + o.getMetadata().getName() + " to reload it");
                boolean took = reloader.apply(client).reload(cm, d.getSpec().getSelector().getMatchLabels(),
                        StackManifests.digestOf(cm));
                if (!took) {
                    ctx.warn(o.getMetadata().getName() + " did not pick up the new " + name + " yet; it keeps the "
                            + "previous one until 'curl -X POST http://<host>/prometheus/-/reload' or a restart");
                }
            }
        }
    }

    /** Applies one object; an API refusal names the object and the component, with what to do about it. */
    private static StackApplier.Result apply(StackApplier applier, HasMetadata o, String component) {
        String what = "applying " + o.getKind() + " " + o.getMetadata().getName() + " of " + component;
        try {
            return applier.apply(o);
        } catch (KubernetesClientException e) {
            if (e.getCode() <= 0) { // no HTTP status: the request never got an answer
                Throwable root = e;
                while (root.getCause() != null) {
                    root = root.getCause();
                }
                throw new InstallerException(what + ": the Kubernetes API did not answer (" + root + ")",
                        "check that k0s runs ('k0s status') and rerun to resume", ExitCodes.API_UNREACHABLE, e);
            }
            String reason = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                    : e.getMessage();
            String hint = e.getCode() == 422
                    ? "the change cannot be made in place: delete the object ('k0s kubectl -n infometis delete "
                            + o.getKind().toLowerCase() + " " + o.getMetadata().getName()
                            + "'; volumes are kept) and rerun"
                    : "fix the manifest in the bundle, or the cluster, and rerun to resume";
            throw new InstallerException(what + ": " + reason + " (HTTP " + e.getCode() + ")", hint, ExitCodes.FAILED, e);
        }
    }

    /** The journal says this component was ready with exactly these manifests. */
    static boolean wasReady(Journal journal, String phase, StackManifests.Loaded c) {
        Journal.UnitRecord r = journal.unit(phase, c.name());
        return r != null && (r.state() == State.SUCCEEDED || r.state() == State.SKIPPED) && r.detail() != null
                && r.detail().endsWith(c.digest());
    }

    @Override
    public void dryRun(PhaseContext ctx) {
        String node = PersistentVolumes.thisNode();
        for (HasMetadata pv : PersistentVolumes.forBundle(ctx.bundle().manifest(), volumesDir(ctx), node)) {
            var spec = ((io.fabric8.kubernetes.api.model.PersistentVolume) pv).getSpec();
            ctx.plan("PersistentVolume " + pv.getMetadata().getName() + " " + spec.getLocal().getPath() + " on node " + node + " ("
                    + spec.getCapacity().get("storage") + ") for claim " + spec.getClaimRef().getName());
        }
        Path dir = dryRunBundleDir(ctx);
        for (BundleManifest.Component c : plannedComponents(ctx)) {
            String objects = dir == null ? c.manifests().size() + " manifest files"
                    : String.join(", ", StackManifests.load(dir, c).objects().stream()
                            .map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList());
            boolean waits = dir == null || !Readiness.workloads(StackManifests.load(dir, c).objects()).isEmpty();
            ctx.plan("apply " + c.name() + " (" + objects + ")" + (waits ? ", then wait up to "
                    + componentTimeout.apply(c.name()).toMinutes() + " min until it is ready" : ""));
        }
    }

    /** The components in apply order: the bundle's list, or the manifest folders when it has none. */
    static List<BundleManifest.Component> components(BundleManifest manifest, Path bundleDir) {
        if (!manifest.components().isEmpty()) {
            return manifest.components().stream()
                    .sorted(java.util.Comparator.comparingInt(BundleManifest.Component::order)).toList();
        }
        return ManifestFolders.components(bundleDir.resolve("manifests"));
    }

    /** The components a plan shows before anything is unpacked: the bundle's list, or the spec's folders. */
    private static List<BundleManifest.Component> plannedComponents(PhaseContext ctx) {
        BundleManifest manifest = ctx.bundle().manifest();
        if (!manifest.components().isEmpty()) {
            return components(manifest, null);
        }
        Path dir = specDir(ctx);
        return dir == null ? List.of() : ManifestFolders.components(dir.resolve("manifests"));
    }

    /** Where a dry run reads manifests: the bundle's files when it has them, else next to the bundle spec. */
    private static Path dryRunBundleDir(PhaseContext ctx) {
        if (ctx.bundle().hasFiles()) {
            try {
                // In a dry run the gate only records the unpacking: the directory exists after an earlier run.
                Path dir = ctx.bundle().directory();
                return Files.isDirectory(dir.resolve("manifests")) ? dir : null;
            } catch (java.io.IOException | RuntimeException e) {
                return null;
            }
        }
        return specDir(ctx);
    }

    private static Path specDir(PhaseContext ctx) {
        Path spec = ctx.options().spec();
        Path dir = spec == null ? null : spec.toAbsolutePath().getParent();
        return dir != null && Files.isDirectory(dir.resolve("manifests")) ? dir : null;
    }

    private static String volumesDir(PhaseContext ctx) {
        return ctx.paths().resolve(ctx.options().volumesDir()).toString();
    }
}
