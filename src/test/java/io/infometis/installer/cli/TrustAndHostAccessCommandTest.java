package io.infometis.installer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.Json;
import io.infometis.installer.bundle.BundleSignature;
import io.infometis.installer.testing.TestBundles;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;

/**
 * The trust policy and the host-access report through the real entry point: install, bundle verify, bundle
 * inspect and the dry-run plan.
 */
@QuarkusMainTest
class TrustAndHostAccessCommandTest {
    @TempDir
    Path tmp;

    static final String PRIVILEGED_DAEMONSET = """
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: node-agent, namespace: infometis}
            spec:
              selector: {matchLabels: {app: node-agent}}
              template:
                metadata: {labels: {app: node-agent}}
                spec:
                  hostPID: true
                  containers:
                  - name: agent
                    image: docker.io/infometis/test-tiny:1.0
                    securityContext: {privileged: true}
                    volumeMounts: [{name: host, mountPath: /host}]
                  volumes:
                  - name: host
                    hostPath: {path: /}
            """;

    private Path rootTrusting(Path pub) throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(root.resolve("etc/infometis"));
        Files.copy(pub, root.resolve("etc/infometis/trusted.pub"));
        return root;
    }

    @Test
    void aTrustedKeyOnTheHostRefusesAnUnsignedBundleUnlessAllowUnsignedWhichIsRecorded(QuarkusMainLauncher launcher)
            throws Exception {
        assertEquals(0, launcher.launch("bundle", "keygen", "--out", tmp.resolve("k").toString()).exitCode());
        Path root = rootTrusting(tmp.resolve("k.pub"));
        Path unsigned = TestBundles.tiny(tmp.resolve("u"));
        List<String> args = List.of("install", "--bundle", unsigned.toString(), "--root", root.toString(), "--until",
                "preflight", "--ignore-preflight", "ports", "--api-port", "0", "--linger", "0");

        LaunchResult refused = launcher.launch(args.toArray(String[]::new));
        assertEquals(ExitCodes.INVALID_INPUT, refused.exitCode(), refused.getOutput() + refused.getErrorOutput());
        String err = refused.getErrorOutput().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("ERROR: bundle entry bundle.json.sig: missing, and this installer trusts the key "
                + root.resolve("etc/infometis/trusted.pub")), err);
        assertTrue(err.contains("--allow-unsigned"), err);
        assertEquals(List.of("etc/infometis/trusted.pub", "run/infometis/install.lock"), TestBundles.filesUnder(root),
                "nothing but the lock was written");

        List<String> allowed = new java.util.ArrayList<>(args);
        allowed.add("--allow-unsigned");
        LaunchResult r = launcher.launch(allowed.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.getOutput() + r.getErrorOutput());
        assertTrue(r.getOutput().contains("unsigned, accepted because of --allow-unsigned"), r.getOutput());
        JsonNode preflight = Json.LENIENT.readTree(root.resolve("var/lib/infometis/preflight.json").toFile());
        JsonNode bundleCheck = preflight.get(0);
        assertEquals("bundle", bundleCheck.get("name").asText());
        assertEquals("warn", bundleCheck.get("status").asText());
        assertTrue(bundleCheck.get("message").asText().contains("accepted because of --allow-unsigned"), bundleCheck.toString());
        String journal = Files.readString(root.resolve("var/lib/infometis/journal.json"));
        assertTrue(journal.contains("accepted because of --allow-unsigned"), journal);
        Path token = root.resolve("var/lib/infometis/api-token");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(token)));
        assertTrue(r.getOutput().contains("progress API token: " + Files.readString(token).strip()), "printed once at start");
    }

    @Test
    void bundleVerifyFollowsTheSamePolicy(QuarkusMainLauncher launcher) throws Exception {
        assertEquals(0, launcher.launch("bundle", "keygen", "--out", tmp.resolve("k").toString()).exitCode());
        Path unsigned = TestBundles.tiny(tmp.resolve("u"));
        Path signed = TestBundles.tiny(tmp.resolve("s"), BundleSignature.readPrivateKey(tmp.resolve("k.key")));
        String pub = tmp.resolve("k.pub").toString();

        LaunchResult refused = launcher.launch("bundle", "verify", unsigned.toString(), "--public-key", pub);
        assertEquals(ExitCodes.INVALID_INPUT, refused.exitCode());
        assertTrue(refused.getErrorOutput().strip().startsWith("ERROR: bundle entry bundle.json.sig: missing"), refused.getErrorOutput());
        LaunchResult allowed = launcher.launch("bundle", "verify", unsigned.toString(), "--public-key", pub, "--allow-unsigned");
        assertEquals(0, allowed.exitCode(), allowed.getErrorOutput());
        assertTrue(allowed.getOutput().contains("good — ") && allowed.getOutput().contains("accepted because of --allow-unsigned"),
                allowed.getOutput());
        LaunchResult good = launcher.launch("bundle", "verify", signed.toString(), "--public-key", pub);
        assertTrue(good.getOutput().contains("signature good (trusted key --public-key " + pub + ")"), good.getOutput());
        LaunchResult noKey = launcher.launch("bundle", "verify", unsigned.toString());
        assertEquals(0, noKey.exitCode(), noKey.getErrorOutput());
        assertTrue(noKey.getOutput().contains("signature not checked: this installer knows no trusted key"), noKey.getOutput());
        LaunchResult zero = launcher.launch("bundle", "verify", unsigned.toString(), "--public-key", "/dev/zero");
        assertEquals(ExitCodes.INVALID_INPUT, zero.exitCode());
        assertEquals(1, zero.getErrorOutput().strip().lines().count(), zero.getErrorOutput());
    }

    @Test
    void inspectAndTheDryRunPlanListWhatAPrivilegedDaemonSetAsksOfTheHost(QuarkusMainLauncher launcher) throws Exception {
        Path bundle = io.infometis.installer.bundle.HostAccessReportTest.bundleWith(tmp.resolve("b"), PRIVILEGED_DAEMONSET);
        String expected = "agent DaemonSet/node-agent: hostPID; hostPath / (volume host); privileged container agent";

        LaunchResult text = launcher.launch("bundle", "inspect", bundle.toString());
        assertEquals(0, text.exitCode(), text.getErrorOutput());
        assertTrue(text.getOutput().contains("host access (what the manifests ask of the host):\n  " + expected), text.getOutput());

        LaunchResult json = launcher.launch("bundle", "inspect", bundle.toString(), "--output", "json");
        JsonNode asks = Json.LENIENT.readTree(json.getOutput()).get("hostAccess");
        assertEquals(1, asks.size(), asks.toString());
        assertEquals("agent", asks.get(0).get("component").asText());
        assertEquals("DaemonSet", asks.get(0).get("kind").asText());
        assertEquals("/ (volume host)", asks.get(0).get("asks").get(1).get("detail").asText());
        assertEquals("privileged", asks.get(0).get("asks").get(2).get("what").asText());

        Path root = Files.createDirectories(tmp.resolve("root"));
        LaunchResult plan = launcher.launch("install", "--dry-run", "--bundle", bundle.toString(), "--root", root.toString(),
                "--until", "preflight", "--api-port", "0", "--linger", "0");
        assertEquals(0, plan.exitCode(), plan.getOutput() + plan.getErrorOutput());
        assertTrue(plan.getOutput().contains("plan: host access: " + expected), plan.getOutput());
        assertTrue(plan.getOutput().contains("progress API token: ") && plan.getOutput().contains("(dry run: not saved)"),
                plan.getOutput());
        assertEquals(List.of(), TestBundles.filesUnder(root), "a dry run writes nothing under the root, not even the token");
    }

    @Test
    void aManifestThatCannotBeParsedIsExit2WithOneLine(QuarkusMainLauncher launcher) throws Exception {
        Path bundle = io.infometis.installer.bundle.HostAccessReportTest.bundleWith(tmp.resolve("b"), "kind: [unclosed\n");
        LaunchResult r = launcher.launch("bundle", "inspect", bundle.toString());
        assertEquals(ExitCodes.INVALID_INPUT, r.exitCode());
        String err = r.getErrorOutput().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("ERROR: bundle entry manifests/20-agent/agent.yaml: not a valid manifest"), err);
    }
}
