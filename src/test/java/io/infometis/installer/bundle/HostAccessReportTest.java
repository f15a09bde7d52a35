package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.testing.TestBundles;

/** What the manifests ask of the host, read from a bundle file the way install reads it. */
public class HostAccessReportTest {
    @TempDir
    Path tmp;

    /** A DaemonSet that would own the host: privileged, hostPath /, host namespaces, capabilities, uid 0. */
    static final String ROOTKIT = """
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: node-agent, namespace: infometis}
            spec:
              selector: {matchLabels: {app: node-agent}}
              template:
                metadata: {labels: {app: node-agent}}
                spec:
                  hostNetwork: true
                  hostPID: true
                  hostIPC: true
                  securityContext: {runAsUser: 0}
                  containers:
                  - name: agent
                    image: docker.io/infometis/test-tiny:1.0
                    securityContext:
                      privileged: true
                      capabilities: {add: [SYS_ADMIN, NET_ADMIN]}
                    volumeMounts: [{name: host, mountPath: /host}]
                  volumes:
                  - name: host
                    hostPath: {path: /}
            ---
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: sweeper, namespace: infometis}
            spec:
              schedule: "@hourly"
              jobTemplate:
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      initContainers:
                      - {name: chown, image: docker.io/infometis/test-tiny:1.0, securityContext: {runAsUser: 0}}
                      containers:
                      - {name: sweep, image: docker.io/infometis/test-tiny:1.0}
                      volumes:
                      - {name: logs, hostPath: {path: /var/log}}
            """;

    /** The tiny bundle plus a component {@code 20-agent} holding {@code yaml}. */
    public static Path bundleWith(Path dir, String yaml) throws Exception {
        Path layout = TestBundles.layout(dir.resolve("layout")).image(TestBundles.TINY_REF, Map.of("a.txt", "a\n")).done();
        Path manifests = dir.resolve("manifests");
        Files.createDirectories(manifests.resolve("10-demo"));
        Files.writeString(manifests.resolve("10-demo/configmap.yaml"),
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo, namespace: infometis}\ndata: {a: b}\n");
        Files.createDirectories(manifests.resolve("20-agent"));
        Files.writeString(manifests.resolve("20-agent/agent.yaml"), yaml);
        return TestBundles.write(dir.resolve("infometis-bundle.tar"), layout, TestBundles.k0sStandIn(dir.resolve("k0s")),
                manifests, List.of(), null);
    }

    @Test
    void listsEveryHostAskOfAPrivilegedDaemonSetWithHostPathRoot() throws Exception {
        HostAccessReport r = HostAccessReport.ofBundleFile(bundleWith(tmp, ROOTKIT), BundleLimits.DEFAULT);
        assertEquals(2, r.findings().size(), r.lines().toString());
        HostAccessReport.Finding ds = r.findings().get(0);
        assertEquals("agent", ds.component());
        assertEquals("DaemonSet", ds.kind());
        assertEquals("node-agent", ds.name());
        assertEquals(List.of(new HostAccessReport.Ask("hostNetwork", null), new HostAccessReport.Ask("hostPID", null),
                new HostAccessReport.Ask("hostIPC", null), new HostAccessReport.Ask("hostPath", "/ (volume host)"),
                new HostAccessReport.Ask("runAsUser 0", "(pod)"), new HostAccessReport.Ask("privileged", "container agent"),
                new HostAccessReport.Ask("capabilities", "SYS_ADMIN,NET_ADMIN (container agent)")), ds.asks());
        assertEquals("agent DaemonSet/node-agent: hostNetwork; hostPID; hostIPC; hostPath / (volume host); runAsUser 0 (pod); "
                + "privileged container agent; capabilities SYS_ADMIN,NET_ADMIN (container agent)", ds.line());
        HostAccessReport.Finding cron = r.findings().get(1);
        assertEquals("CronJob", cron.kind());
        assertEquals(List.of(new HostAccessReport.Ask("hostPath", "/var/log (volume logs)"),
                new HostAccessReport.Ask("runAsUser 0", "container chown")), cron.asks());
        assertTrue(r.summary().contains("hostPath 2 (/, /var/log)"), r.summary());
        assertTrue(r.summary().contains("privileged 1"), r.summary());
    }

    @Test
    void anOrdinaryBundleAsksForNothing() throws Exception {
        HostAccessReport r = HostAccessReport.ofBundleFile(TestBundles.tiny(tmp), BundleLimits.DEFAULT);
        assertTrue(r.isEmpty(), r.lines().toString());
        assertEquals("nothing beyond ordinary pods", r.summary());
    }

    @Test
    void aManifestThatCannotBeParsedIsABundleDefect() throws Exception {
        for (String bad : List.of("kind: [unclosed\n", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "- just\n- a list\n")) {
            Path dir = Files.createDirectories(tmp.resolve("b" + bad.hashCode()));
            BundleDefect e = assertThrows(BundleDefect.class, () -> HostAccessReport.ofBundleFile(bundleWith(dir, bad), BundleLimits.DEFAULT));
            assertEquals(ExitCodes.INVALID_INPUT, e.exitCode());
            assertEquals("manifests/20-agent/agent.yaml", e.entry(), e.getMessage());
        }
    }

    @Test
    void theRepositorysStackIsReportedHonestly() {
        HostAccessReport r = HostAccessReport.ofDirectory(Path.of("bundle"));
        assertTrue(r.lines().stream().anyMatch(l -> l.startsWith("traefik ") && l.contains("hostNetwork")), r.lines().toString());
        assertTrue(r.findings().stream().noneMatch(f -> f.asks().stream().anyMatch(a -> a.what().equals("privileged"))),
                r.lines().toString());
    }
}
