package io.infometis.installer.upgrade;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.Digests;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.K0sStatus;
import io.infometis.installer.host.ServiceManager;
import io.infometis.installer.phase.K0sReadiness;
import io.infometis.installer.phase.Phase;
import io.infometis.installer.phase.PhaseContext;

/**
 * Upgrades k0s on this node when the new bundle's k0s differs: stop, swap {@code /usr/local/bin/k0s}
 * (atomically), start, and wait as the install does (status socket, status, API, Ready node). k0s's documented
 * single-node upgrade is exactly this (docs/upgrade.md). Each step is idempotent, so a rerun after a crash between
 * any two of them finishes: a swapped binary is not swapped again, a stopped k0s is started.
 */
public final class K0sUpgradePhase implements Phase {
    private static final List<String> UNITS = List.of("stop", "binary", "start", "status-socket", "status", "api",
            "node-ready");

    private final K0sCli k0s;
    private final ServiceManager services;
    private final K0sReadiness readiness;

    public K0sUpgradePhase(K0sCli k0s, ServiceManager services, K0sReadiness readiness) {
        this.k0s = k0s;
        this.services = services;
        this.readiness = readiness;
    }

    @Override
    public String name() {
        return "k0s";
    }

    @Override
    public String title() {
        return "Upgrade k0s on this node";
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

    /** The new binary is in place and it is what runs. */
    @Override
    public boolean isDone(PhaseContext ctx) throws Exception {
        if (ctx.isDryRun()) {
            return false; // the new bundle is not unpacked in a dry run: its k0s is not on disk to compare with
        }
        Path installed = ctx.paths().k0sBinary();
        if (!Files.isRegularFile(installed) || !Digests.sha256(installed).equals(source(ctx).sha)) {
            return false;
        }
        K0sStatus status = k0s.status();
        return status != null && ctx.bundle().manifest().k0s().version().equals(status.version());
    }

    @Override
    public void run(PhaseContext ctx) throws Exception {
        Source src = source(ctx);
        Path target = ctx.paths().k0sBinary();
        boolean swapped = Files.isRegularFile(target) && Digests.sha256(target).equals(src.sha);
        ctx.unitStarted("stop");
        if (swapped || k0s.status() == null) {
            ctx.unitSkipped("stop", swapped ? "the new binary is already in place" : "not running");
        } else {
            ctx.host().mutate("k0s stop", services::stop);
            ctx.unitDone("stop", "stopped " + k0s.version());
        }
        ctx.unitStarted("binary");
        if (swapped) {
            ctx.unitSkipped("binary", "already " + src.version);
        } else {
            ctx.host().install(src.file, target, "0755");
            ctx.unitDone("binary", target + " " + src.version + " sha256:" + src.sha);
        }
        ctx.unitStarted("start");
        if (k0s.status() != null) {
            ctx.unitSkipped("start", "already running");
        } else {
            ctx.host().mutate("k0s start", services::start);
            ctx.unitDone("start", "started " + src.version);
        }
        ctx.unitStarted("status-socket");
        readiness.statusSocket(ctx, ctx.paths().statusSocket());
        ctx.unitDone("status-socket", ctx.paths().statusSocket().toString());
        ctx.unitStarted("status");
        K0sStatus status = readiness.status(ctx, k0s);
        if (!src.version.equals(status.version())) {
            throw new InstallerException("k0s reports " + status.version() + " after the upgrade, the bundle brings "
                    + src.version, "look at k0s's log ('journalctl -u k0scontroller'); rerun to retry", ExitCodes.FAILED);
        }
        ctx.unitDone("status", status.version() + " " + status.role());
        ctx.unitStarted("api");
        readiness.api(ctx);
        ctx.unitDone("api", "answers");
        ctx.unitStarted("node-ready");
        readiness.nodeReady(ctx, client -> { }); // k0s's system pods are waited for by install's node phase
        ctx.unitDone("node-ready", "Ready");
    }

    private record Source(Path file, String sha, String version) {
    }

    private static Source source(PhaseContext ctx) throws IOException {
        BundleManifest.K0s k = ctx.bundle().manifest().k0s();
        Path file = ctx.options().k0sBinary() != null ? ctx.options().k0sBinary()
                : ctx.bundle().directory().resolve(k.path());
        String sha = Digests.sha256(file);
        if (ctx.options().k0sBinary() == null && k.sha256() != null && !k.sha256().replaceFirst("^sha256:", "").equals(sha)) {
            throw new InstallerException("k0s binary " + file + " has sha256 " + sha + ", the bundle says " + k.sha256(),
                    "the bundle is damaged; rebuild or re-copy it", ExitCodes.FAILED);
        }
        return new Source(file, sha, k.version());
    }

    @Override
    public void dryRun(PhaseContext ctx) {
        ctx.plan("if the installed k0s is not " + ctx.bundle().manifest().k0s().version() + ": k0s stop, install the "
                + "bundle's k0s as " + ctx.paths().k0sBinary() + ", k0s start; wait for the status socket, the API and a Ready node");
    }
}
