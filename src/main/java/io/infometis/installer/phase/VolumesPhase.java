package io.infometis.installer.phase;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.infometis.installer.bundle.BundleManifest.Volume;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.host.VolumeDirectories;
import io.infometis.installer.k8s.PersistentVolumes;

/**
 * Makes the hostPath volume directories ({@code <volumesDir>/<component>/<name>}, owned by the component's uid:gid
 * with its mode) and keeps the host's tmp cleaner away from them with a tmpfiles.d rule. The stack phase applies the
 * PersistentVolumes that point at them ({@code k8s/PersistentVolumes}).
 */
public final class VolumesPhase implements Phase {
    static final String TMPFILES = "tmpfiles.d";

    @Override
    public String name() {
        return "volumes";
    }

    @Override
    public String title() {
        return "Create the data volumes";
    }

    @Override
    public List<String> units(PhaseContext ctx) {
        List<String> units = new ArrayList<>();
        if (ctx.bundle() != null) {
            ctx.bundle().manifest().volumes().forEach(v -> units.add(unit(v)));
        }
        units.add(TMPFILES);
        return units;
    }

    @Override
    public void run(PhaseContext ctx) throws Exception {
        List<Volume> volumes = ctx.bundle().manifest().volumes();
        String base = ctx.options().volumesDir();
        VolumeDirectories dirs = new VolumeDirectories(ctx.host());
        for (Volume v : volumes) {
            ctx.unitStarted(unit(v));
            String path = PersistentVolumes.hostPath(v, base);
            boolean changed = dirs.ensure(ctx.paths().root(), path, v.uid(), v.gid(), v.mode());
            String detail = path + " " + v.uid() + ":" + v.gid() + " " + v.mode() + " (" + v.size() + ")";
            if (changed) {
                ctx.unitDone(unit(v), detail);
            } else {
                ctx.unitSkipped(unit(v), "already there: " + detail);
            }
        }

        ctx.unitStarted(TMPFILES);
        byte[] rule = tmpfilesRule(base, volumes).getBytes(StandardCharsets.UTF_8);
        Path ruleFile = ctx.paths().resolve(HostPaths.TMPFILES_RULE);
        if (Files.isRegularFile(ruleFile) && Arrays.equals(rule, Files.readAllBytes(ruleFile))) {
            ctx.unitSkipped(TMPFILES, "already written");
        } else {
            ctx.host().writeAtomically(ruleFile, rule, "0644");
            ctx.unitDone(TMPFILES, ruleFile.toString());
        }
    }

    /**
     * {@code x} excludes a path and everything below it from systemd-tmpfiles' age-based cleaning of /tmp; without
     * it, data untouched for 10 days (Debian's default for /tmp) would be deleted under a running broker.
     */
    static String tmpfilesRule(String base, List<Volume> volumes) {
        // Every path is built by HostPaths from DNS-1123 labels under a plain absolute base: no blank, newline or
        // control character can reach this file, so no line can be split into a second rule.
        HostPaths.plainBase(base);
        StringBuilder sb = new StringBuilder();
        sb.append("# Written by 'infometis install': systemd-tmpfiles must never clean the InfoMetis volumes.\n");
        sb.append("# 'infometis uninstall --purge-data' removes this file with the data. See docs/volumes.md.\n");
        sb.append("x ").append(base).append('\n');
        for (Volume v : volumes) {
            sb.append("x ").append(PersistentVolumes.hostPath(v, base)).append('\n');
        }
        return sb.toString();
    }

    static String unit(Volume v) {
        return v.component() + "/" + v.name();
    }

    /** The gate records every directory and file a real run would make. */
    @Override
    public void dryRun(PhaseContext ctx) throws Exception {
        for (Volume v : ctx.bundle().manifest().volumes()) {
            ctx.plan("create " + ctx.paths().resolve(PersistentVolumes.hostPath(v, ctx.options().volumesDir())) + " owned " + v.uid() + ":"
                    + v.gid() + " mode " + v.mode() + " (" + v.size() + ")");
        }
        ctx.plan("write " + ctx.paths().resolve(HostPaths.TMPFILES_RULE) + " (x lines: never cleaned)");
    }
}
