package io.infometis.installer.phase;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.Digests;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.host.Containerd;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.K0sStatus;
import io.infometis.installer.host.ServiceManager;
import io.infometis.installer.progress.State;

/**
 * Installs the bundle's k0s (or {@code --k0s-binary}) as {@code /usr/local/bin/k0s}, writes {@code /etc/k0s/k0s.yaml},
 * installs the controller service with {@code --enable-worker --no-taints} (not {@code --single}, which can never
 * take another node), starts it and waits until k0s's containerd answers. It does not wait for a Ready node: in an
 * air gap the node needs k0s's own images (pause, kube-router, cni-node), which the images phase imports next; the
 * {@link NodeReadyPhase} waits after that. Skipped when the same k0s is already running.
 */
public final class K0sPhase implements Phase {
    static final String TEMPLATE = "/k0s/k0s.yaml";
    private static final List<String> UNITS = List.of("binary", "config", "service", "start", "status-socket",
            "containerd");

    private final K0sCli k0s;
    private final ServiceManager services;
    private final K0sReadiness readiness;
    private final Containerd containerd;

    /**
     * @param k0s        the installed binary ({@code <root>/usr/local/bin/k0s})
     * @param containerd k0s's containerd, asked until it answers
     */
    public K0sPhase(K0sCli k0s, ServiceManager services, K0sReadiness readiness, Containerd containerd) {
        this.k0s = k0s;
        this.services = services;
        this.readiness = readiness;
        this.containerd = containerd;
    }

    @Override
    public String name() {
        return "k0s";
    }

    @Override
    public String title() {
        return "Install and start k0s";
    }

    @Override
    public Duration timeout() {
        return Duration.ofMinutes(20);
    }

    @Override
    public double weight() {
        return 3;
    }

    @Override
    public List<String> units(PhaseContext ctx) {
        return UNITS;
    }

    /** The same binary is installed, it is what runs, and its containerd answers. */
    @Override
    public boolean isDone(PhaseContext ctx) throws Exception {
        if (ctx.bundle() == null || !ctx.bundle().hasFiles() && ctx.options().k0sBinary() == null
                || !Files.isRegularFile(ctx.paths().k0sBinary())) {
            return false;
        }
        Path source = source(ctx);
        // In a dry run the bundle is not unpacked, so its k0s is not on disk to compare with.
        if (!Files.isRegularFile(source) || !sha256(ctx.paths().k0sBinary()).equals(sha256(source))) {
            return false;
        }
        K0sStatus status = k0s.status();
        if (status == null || status.version() == null || !status.version().equals(k0s.version())
                || !Arrays.equals(template(), Files.readAllBytes(ctx.paths().k0sConfig()))) {
            return false;
        }
        try {
            containerd.images();
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    @Override
    public void run(PhaseContext ctx) throws Exception {
        Path config = ctx.paths().k0sConfig();
        installBinary(ctx);

        ctx.unitStarted("config");
        byte[] template = template();
        if (Files.isRegularFile(config) && Arrays.equals(template, Files.readAllBytes(config))) {
            ctx.unitSkipped("config", "already written");
        } else {
            ctx.host().writeAtomically(config, template, "0644");
            ctx.unitDone("config", config.toString());
        }

        K0sStatus runningStatus = k0s.status();
        boolean running = runningStatus != null;
        if (running && !ctx.isDryRun() && runningStatus.version() != null && !runningStatus.version().equals(k0s.version())) {
            throw new InstallerException("k0s " + runningStatus.version() + " is running, the bundle brings " + k0s.version(),
                    "upgrading k0s is not supported by install; run 'infometis uninstall' (it keeps the data), then install",
                    ExitCodes.FAILED);
        }
        ctx.unitStarted("service");
        var earlier = ctx.journal().unit(name(), "service");
        if (earlier != null && earlier.state() == State.SUCCEEDED || running) {
            ctx.unitSkipped("service", "already installed");
        } else {
            ctx.host().mutate("k0s install controller --enable-worker --no-taints -c " + config, () -> services.install(config));
            ctx.unitDone("service", "controller+worker, no taints");
        }

        ctx.unitStarted("start");
        if (running) {
            ctx.unitSkipped("start", "already running");
        } else {
            ctx.host().mutate("k0s start", services::start);
            ctx.unitDone("start", "started");
        }

        ctx.unitStarted("status-socket");
        readiness.statusSocket(ctx, ctx.paths().statusSocket());
        ctx.unitDone("status-socket", ctx.paths().statusSocket().toString());
        ctx.unitStarted("containerd");
        ctx.unitDone("containerd", readiness.containerd(ctx, containerd));
    }

    private void installBinary(PhaseContext ctx) throws IOException {
        ctx.unitStarted("binary");
        Path source = source(ctx);
        BundleManifest.K0s expected = ctx.bundle().manifest().k0s();
        String sha = sha256(source);
        if (ctx.options().k0sBinary() == null && expected.sha256() != null
                && !expected.sha256().replaceFirst("^sha256:", "").equals(sha)) {
            throw new InstallerException("k0s binary " + source + " has sha256 " + sha + ", the bundle says " + expected.sha256(),
                    "the bundle is damaged; rebuild or re-copy it", ExitCodes.FAILED);
        }
        Path target = ctx.paths().k0sBinary();
        if (Files.isRegularFile(target) && sha256(target).equals(sha)) {
            ctx.unitSkipped("binary", "same binary already at " + target);
            return;
        }
        ctx.host().install(source, target, "0755");
        ctx.unitDone("binary", target + " sha256:" + sha);
    }

    private static Path source(PhaseContext ctx) throws IOException {
        if (ctx.options().k0sBinary() != null) {
            return ctx.options().k0sBinary();
        }
        return ctx.bundle().directory().resolve(ctx.bundle().manifest().k0s().path());
    }

    /** The k0s config, from the repository's {@code k0s/} folder (packaged as a resource). */
    public static byte[] template() throws IOException {
        try (InputStream in = K0sPhase.class.getResourceAsStream(TEMPLATE)) {
            if (in == null) {
                throw new IOException("resource " + TEMPLATE + " is missing from the installer");
            }
            return in.readAllBytes();
        }
    }

    static String sha256(Path file) throws IOException {
        return Digests.sha256(file);
    }

    @Override
    public void dryRun(PhaseContext ctx) throws Exception {
        Path config = ctx.paths().k0sConfig();
        String source = ctx.options().k0sBinary() != null ? ctx.options().k0sBinary().toString()
                : "the bundle's " + ctx.bundle().manifest().k0s().path() + " (" + ctx.bundle().manifest().k0s().version() + ")";
        ctx.plan("install " + source + " as " + ctx.paths().k0sBinary() + " unless the same binary is there");
        ctx.plan("write " + config + " (default_pull_policy: Never, telemetry off)");
        ctx.plan("k0s install controller --enable-worker --no-taints -c " + config);
        ctx.plan("k0s start; wait for " + ctx.paths().statusSocket() + " and for k0s's containerd to answer");
    }
}
