package io.infometis.installer.phase;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.InstallerException;
import io.infometis.installer.verify.HttpJson;
import io.infometis.installer.verify.StackEndpoints;
import io.infometis.installer.verify.Verification;
import io.infometis.installer.verify.VerifyRun;

/**
 * Proves the platform works as a whole once every pod is ready: a topic takes Avro records registered in Schema
 * Registry, ksqlDB reads them back, Flink has slots, Elasticsearch indexes and finds a document, Prometheus scrapes
 * every target and Grafana reaches Prometheus. Every check runs on each run of the phase (they are cheap and write
 * only this run's records), so a resumed run never trusts an earlier run's data.
 */
public final class VerifyPhase implements Phase {
    public static final String NAME = "verify";
    private final Supplier<KubernetesClient> clients;
    private final Verification verification;
    private final Duration httpTimeout;

    /** Production: each check tried 6 times 10 s apart; HTTP calls time out after 30 s. */
    public VerifyPhase(Supplier<KubernetesClient> clients, Verification verification) {
        this(clients, verification, Duration.ofSeconds(30));
    }

    public VerifyPhase(Supplier<KubernetesClient> clients, Verification verification, Duration httpTimeout) {
        this.clients = clients;
        this.verification = verification;
        this.httpTimeout = httpTimeout;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String title() {
        return "Check the data path end to end";
    }

    @Override
    public Duration timeout() {
        return Duration.ofMinutes(20);
    }

    @Override
    public List<String> units(PhaseContext ctx) {
        try {
            return applicable(ctx).names();
        } catch (RuntimeException unknownYet) {
            return verification.names(); // the bundle is opened later; run() registers what applies
        }
    }

    private Verification applicable(PhaseContext ctx) {
        return verification.forComponents(ctx.bundle().manifest().components().stream()
                .map(io.infometis.installer.bundle.BundleManifest.Component::name).toList());
    }

    /**
     * Done when every applicable check passed in this journal (the same bundle's earlier run): a rerun of a complete
     * install writes nothing, not even verification records. A failed or cut-off verification runs every check again,
     * because the checks read back only their own run's records. A bundle with no checked component has nothing to do.
     */
    @Override
    public boolean isDone(PhaseContext ctx) {
        return applicable(ctx).names().stream().allMatch(ctx::isUnitDone);
    }

    @Override
    public void dryRun(PhaseContext ctx) {
        applicable(ctx).names().forEach(n -> ctx.plan("check " + n));
    }

    @Override
    public void run(PhaseContext ctx) throws Exception {
        Verification verification = applicable(ctx);
        if (verification.names().isEmpty()) {
            ctx.step("no data-path check applies to this bundle's components");
            return;
        }
        ctx.progress().registerUnits(ctx.phase(), verification.names());
        try (KubernetesClient client = clients.get()) {
            VerifyRun run = new VerifyRun(runId(), new StackEndpoints(client), new HttpJson(httpTimeout), 3,
                    ctx::checkCancelled);
            List<Verification.Failure> failures = verification.run(run, new Verification.Listener() {
                @Override
                public void started(String check) {
                    ctx.unitStarted(check);
                }

                @Override
                public void passed(String check, String detail) {
                    ctx.unitDone(check, detail);
                }

                @Override
                public void failed(String check, String reason) {
                    ctx.unitFailed(check, reason);
                }
            });
            if (!failures.isEmpty()) {
                Verification.Failure first = failures.get(0);
                throw InstallerException.failed(failures.size() + " of " + verification.names().size()
                        + " data-path checks failed, first " + first.check() + ": " + first.reason(),
                        first.next() + "; then 'infometis verify' checks again", null);
            }
        }
    }

    /** Lower-case, time-ordered and unique enough to tell this run's records from every earlier run's. */
    public static String runId() {
        return "r" + Long.toString(System.currentTimeMillis(), 36).toLowerCase(Locale.ROOT)
                + Integer.toString(java.util.concurrent.ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
    }
}
