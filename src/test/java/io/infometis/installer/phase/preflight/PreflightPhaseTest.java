package io.infometis.installer.phase.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.core.type.TypeReference;

import io.infometis.installer.Json;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.host.HostPaths;
import io.infometis.installer.install.InstallOptions;
import io.infometis.installer.install.Installer;
import io.infometis.installer.install.Journal;
import io.infometis.installer.phase.PhaseRunner.Outcome;
import io.infometis.installer.progress.Event;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.State;
import io.infometis.installer.testing.FakeHostFacts;

class PreflightPhaseTest {
    @TempDir
    Path root;
    final FakeHostFacts facts = new FakeHostFacts();

    private Outcome preflight(InstallOptions options, Progress progress) {
        return new Installer(options, progress)
                .run(List.of(new PreflightPhase(PreflightPhase.standardChecks(), facts)), null);
    }

    private List<Map<String, String>> savedResults() throws IOException {
        return Json.MAPPER.readValue(HostPaths.of(root).preflightResults().toFile(), new TypeReference<>() {
        });
    }

    @Test
    void savesEveryCheckAsJsonInTheStateDir() throws IOException {
        Outcome o = preflight(InstallOptions.under(root), new Progress());
        assertEquals(State.SUCCEEDED, o.state());
        List<Map<String, String>> saved = savedResults();
        assertEquals(List.of("bundle", "root", "arch", "resources", "disk", "ports", "earlier-install", "cgroups", "kernel", "swap",
                "selinux", "firewall", "other-runtimes", "hostname", "tmp-volumes"),
                saved.stream().map(r -> r.get("name")).toList());
        // tmp-volumes only ever warns: the default volumes dir is under /tmp.
        assertTrue(saved.stream().allMatch(r -> r.get("status").equals(r.get("name").equals("tmp-volumes") ? "warn" : "pass")),
                saved.toString());
    }

    @Test
    void refusesWithTheCheckItsReasonAndItsRemedy() throws IOException {
        facts.takenPorts.add(6443);
        Outcome o = preflight(InstallOptions.under(root), new Progress());
        assertEquals(State.FAILED, o.state());
        assertEquals(ExitCodes.INVALID_INPUT, o.exitCode(), "a taken port exits as bad input does");
        assertEquals("preflight ports: ports in use: 6443", o.failure().message());
        assertTrue(o.failure().hint().contains("ss -ltnp") && o.failure().hint().contains("--ignore-preflight ports"),
                o.failure().hint());
        Map<String, String> ports = savedResults().stream().filter(r -> r.get("name").equals("ports")).findFirst().orElseThrow();
        assertEquals("fail", ports.get("status"));
        assertEquals(State.FAILED, Journal.open(HostPaths.of(root).journalFile(), true).unit("preflight", "ports").state());
    }

    @Test
    void anUnfitHostIsRefusedWithThePreflightCode() {
        facts.memory = 2L << 30;
        Outcome o = preflight(InstallOptions.under(root), new Progress());
        assertEquals(ExitCodes.PREFLIGHT_REFUSED, o.exitCode());
        assertTrue(o.failure().message().startsWith("preflight resources: "), o.failure().message());
    }

    @Test
    void anIgnoredCheckIsBypassedAndTheBypassRecorded() throws IOException {
        facts.takenPorts.add(6443);
        InstallOptions options = new InstallOptions(root, null, null, null, false, null, Set.of("ports"), null, null, null);
        Outcome o = preflight(options, new Progress());
        assertEquals(State.SUCCEEDED, o.state());
        Map<String, String> ports = savedResults().stream().filter(r -> r.get("name").equals("ports")).findFirst().orElseThrow();
        assertEquals("ignored", ports.get("status"));
        assertTrue(ports.get("message").contains("ignored by --ignore-preflight ports"), ports.toString());
        assertTrue(Journal.open(HostPaths.of(root).journalFile(), true).unit("preflight", "ports").detail()
                .startsWith("ignored: "));
    }

    @Test
    void ignoringAnUnknownCheckIsInvalidInput() {
        InstallOptions options = new InstallOptions(root, null, null, null, false, null, Set.of("prots"), null, null, null);
        Outcome o = preflight(options, new Progress());
        assertEquals(ExitCodes.INVALID_INPUT, o.exitCode());
        assertTrue(o.failure().hint().contains("ports"), o.failure().hint());
    }

    @Test
    void aCheckThatCannotRunFailsWithItsReasonInsteadOfCrashing() throws IOException {
        facts.freeBytesFailure = new IOException("statfs failed");
        Outcome o = preflight(InstallOptions.under(root), new Progress());
        assertEquals(ExitCodes.PREFLIGHT_REFUSED, o.exitCode());
        assertTrue(o.failure().message().contains("statfs failed"), o.failure().message());
        assertEquals(PreflightPhase.standardChecks().size(), savedResults().size(), "the other checks still ran and were saved");
    }

    @Test
    void rootIsRequiredOnTheHostButNotUnderRoot() {
        facts.uid = 1000;
        assertEquals(State.SUCCEEDED, preflight(InstallOptions.under(root), new Progress()).state());
        PhaseContextStub stub = new PhaseContextStub(Path.of("/"));
        assertEquals(CheckResult.Status.FAIL, new RootCheck().check(stub.ctx(), facts).status());
    }

    @Test
    void aDryRunDoesNotRefuseAndWritesNothing() throws IOException {
        facts.cpus = 1;
        Progress progress = new Progress();
        Outcome o = preflight(InstallOptions.under(root).withDryRun(true), progress);
        assertEquals(State.SUCCEEDED, o.state());
        try (Stream<Path> s = Files.list(root)) {
            assertEquals(List.of(), s.toList());
        }
        List<String> messages = progress.events(0, 1000).events().stream().map(Event::message).toList();
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("a real install would stop here: preflight resources")),
                messages.toString());
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("plan: write " + HostPaths.of(root).preflightResults())),
                messages.toString());
    }

    @Test
    void aRerunAfterACompleteInstallSkipsPreflight() {
        assertEquals(State.SUCCEEDED, preflight(InstallOptions.under(root), new Progress()).state());
        facts.takenPorts.add(6443); // our own cluster holds them now
        Outcome again = preflight(InstallOptions.under(root), new Progress());
        assertEquals(State.SUCCEEDED, again.state());
        assertTrue(again.alreadyDone());
    }

    @Test
    void anEarlierInstallByAnotherToolIsRefused() {
        facts.existing.add(HostPaths.of(root).k0sConfig());
        Outcome o = preflight(InstallOptions.under(root), new Progress());
        assertEquals(ExitCodes.PREFLIGHT_REFUSED, o.exitCode());
        assertTrue(o.failure().message().startsWith("preflight earlier-install: k0s is already configured"));
    }

    /** A context for calling one check directly. */
    record PhaseContextStub(Path root, io.infometis.installer.bundle.InstallBundle bundle) {
        PhaseContextStub(Path root) {
            this(root, null);
        }

        io.infometis.installer.phase.PhaseContext ctx() {
            HostPaths paths = HostPaths.of(root);
            return new io.infometis.installer.phase.PhaseContext(InstallOptions.under(root), paths,
                    new io.infometis.installer.host.HostGate(true, null), Journal.open(paths.journalFile(), true),
                    new Progress(), bundle);
        }
    }

    @Test
    void diskWantsTwiceTheBundlePlusTheVolumes() throws Exception {
        var manifest = new io.infometis.installer.bundle.BundleManifest(1, "b", "1", null, "linux/amd64", null,
                List.of(new io.infometis.installer.bundle.BundleManifest.Image("r/a:1", "sha256:x", null, null, 1L << 30, "stack")),
                List.of(), List.of(new io.infometis.installer.bundle.BundleManifest.Volume("kafka", "data", "2Gi", 1000, 1000,
                        "0750", "kafka-data")), null);
        var bundle = new io.infometis.installer.bundle.InstallBundle() {
            public io.infometis.installer.bundle.BundleManifest manifest() {
                return manifest;
            }

            public String digest() {
                return "sha256:b";
            }

            public boolean hasFiles() {
                return true;
            }

            public Path directory() {
                return root;
            }
        };
        var ctx = new PhaseContextStub(root, bundle).ctx();
        facts.free = (4L << 30) - 1;
        CheckResult tooSmall = new DiskCheck().check(ctx, facts);
        assertEquals(CheckResult.Status.FAIL, tooSmall.status());
        assertEquals(ExitCodes.INVALID_INPUT, tooSmall.exitCode(), "a full disk exits as bad input does");
        assertTrue(tooSmall.message().contains("need 4.0 GiB"), tooSmall.message());
        facts.free = 4L << 30;
        assertEquals(CheckResult.Status.PASS, new DiskCheck().check(ctx, facts).status());
    }
}
