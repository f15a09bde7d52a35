package io.infometis.installer.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import io.infometis.installer.Json;
import io.infometis.installer.bundle.BundleFile;
import io.infometis.installer.bundle.BundleManifest;
import io.infometis.installer.bundle.InstallBundle;
import io.infometis.installer.host.HostGate;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.K0sContainerd;
import io.infometis.installer.phase.ImagesPhase;
import io.infometis.installer.progress.State;

/**
 * Driver for the bench/ scripts (test classpath only, never shipped):
 * <pre>
 * layout WORK COUNT BYTES       writes WORK/bundle (bundle.json, images/ with COUNT images of BYTES random bytes each)
 *                               and the same images as a bundle file, WORK/bundle.tar
 * phase  WORK SOCKET BUNDLE [as-install|as-resumed]
 *                               runs the images phase of BUNDLE (a layout WORK) under WORK/root, through a k0s
 *                               stand-in aimed at SOCKET. With as-install the JVM first does what install does before
 *                               this phase: it verifies and unpacks the bundle file (every byte hashed, as
 *                               {@code BundleFile.directory()} does on a first install), and the phase then imports
 *                               from that unpacked copy (as-resumed: the same, but the copy is taken for an earlier
 *                               run's, so its layers are hashed again as they stream, as on a resumed install);
 *                               without either, the phase runs in a cold JVM on the layout;
 *                               prints "images_phase_ms=N engine_ms=N imported=N skipped=N ctr_calls=N
 *                               jvm_cpu_ms=N of_which_jit_ms=N" (the JVM's CPU during the run)
 * </pre>
 */
public final class ImagesBench {
    private ImagesBench() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[1]);
        if (args[0].equals("layout")) {
            int count = Integer.parseInt(args[2]);
            int bytes = Integer.parseInt(args[3]);
            List<String> refs = IntStream.rangeClosed(1, count).mapToObj(i -> "docker.io/infometis-bench/img" + i + ":1.0").toList();
            List<BundleManifest.Image> images = OciImages.write(work.resolve("bundle/images"), refs, bytes, 11);
            Path k0s = Files.writeString(work.resolve("k0s-placeholder"), "#!/bin/sh\n");
            DirectoryBundle.create(work.resolve("bundle"), k0s, K0sStandIn.VERSION, images, List.of());
            TestBundles.write(work.resolve("bundle.tar"), work.resolve("bundle/images"), k0s, K0sStandIn.VERSION, "0.0.1",
                    Files.createDirectories(work.resolve("no-manifests")), List.of(), null);
            return;
        }
        Path root = Files.createDirectories(work.resolve("root"));
        K0sStandIn standIn = K0sStandIn.write(work.resolve("bin"), root, Path.of(args[2]), null, 0).started();
        Path bundleDir = Path.of(args[3]).resolve("bundle");
        BundleManifest manifest = Json.MAPPER.readValue(bundleDir.resolve("bundle.json").toFile(), BundleManifest.class);
        InstallBundle bundle = new DirectoryBundle(bundleDir, manifest);
        String unpacked = "";
        String mode = args.length > 4 ? args[4] : "";
        if (mode.equals("as-install") || mode.equals("as-resumed")) {
            long u0 = System.nanoTime();
            BundleFile file = new BundleFile(Path.of(args[3]).resolve("bundle.tar"), root.resolve("var/lib/infometis"),
                    new HostGate(false, line -> { }));
            file.directory();
            // What install wrote settles before the phase starts, as it does over the k0s phase in a real install.
            new ProcessBuilder("sync").inheritIO().start().waitFor();
            unpacked = " unpack_ms=" + (System.nanoTime() - u0) / 1_000_000;
            // as-resumed: the same unpacked copy, but as an earlier run's, so the phase hashes the layers as they stream.
            bundle = mode.equals("as-install") ? file : new DirectoryBundle(file.directory(), file.manifest());
        }
        ImagesPhase phase = new ImagesPhase(new K0sContainerd(new K0sCli(standIn.binary(), Duration.ofMinutes(1)), Duration.ofMinutes(30)));
        long cpu0 = ProcessHandle.current().info().totalCpuDuration().orElseThrow().toMillis();
        long jit0 = jitCpuMillis();
        Runs.Run r = Runs.run(Runs.options(root, standIn.binary(), null), bundle, phase);
        long jvmCpu = ProcessHandle.current().info().totalCpuDuration().orElseThrow().toMillis() - cpu0;
        long jitCpu = jitCpuMillis() - jit0;
        if (r.outcome().state() != State.SUCCEEDED) {
            System.err.println("images phase failed: " + r.outcome().failure());
            System.exit(1);
        }
        var units = Runs.journalUnits(root, "images").values();
        long skipped = units.stream().filter(u -> u.state() == State.SKIPPED).count();
        var view = r.progress().snapshot().phases().stream().filter(p -> p.name().equals("images")).findFirst().orElseThrow();
        System.out.println("images_phase_ms=" + Duration.between(view.startedAt(), view.finishedAt()).toMillis()
                + " engine_ms=" + r.millis() + " imported=" + (units.size() - skipped) + " skipped=" + skipped
                + " ctr_calls=" + standIn.calls().size() + " jvm_cpu_ms=" + jvmCpu + " of_which_jit_ms=" + jitCpu + unpacked);
        System.exit(0);
    }

    /** CPU of HotSpot's compiler threads so far (Linux /proc; 10 ms ticks): what a cold JVM spends beside the phase. */
    private static long jitCpuMillis() throws java.io.IOException {
        long ticks = 0;
        try (var tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : tasks) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"));
                } catch (java.nio.file.NoSuchFileException | java.nio.charset.MalformedInputException gone) {
                    continue; // the thread ended meanwhile (a compiler thread's CPU is then lost: a lower bound)
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (name.contains("Compiler")) {
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                }
            }
        }
        return ticks * 10;
    }
}
