package io.infometis.installer.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.infometis.installer.progress.Progress.PhaseSpec;
import io.infometis.installer.progress.ProgressSnapshot.AccessEntry;
import io.infometis.installer.progress.ProgressSnapshot.Failure;
import io.infometis.installer.progress.api.ApiAccess;
import io.infometis.installer.testing.Chromium;
import io.infometis.installer.testing.InstallerProxy;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The progress page in a real browser (headless chromium) while a fake install drives the {@link Progress}
 * bean that the API serves. The page polls every 2 s, so every wait allows a few polls and no more.
 */
@QuarkusTest
class ProgressPageTest {
    private static final Duration POLLS = Duration.ofSeconds(15);
    private static final List<String> IMAGES = IntStream.rangeClosed(1, 12).mapToObj(i -> "image-" + i).toList();
    private static Chromium browser;

    @Inject
    Progress progress;
    @Inject
    ApiAccess access;
    @TestHTTPResource("/")
    URL page;

    @BeforeAll
    static void launchBrowser() throws Exception {
        browser = Chromium.launch();
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @BeforeEach
    void freshInstall() {
        access.requireToken(null);
        browser.viewport(1000, 1200, false);
        progress.start(List.of(new PhaseSpec("preflight", "Check the host", 1), new PhaseSpec("k0s", "Install k0s", 2),
                new PhaseSpec("images", "Import images", 4), new PhaseSpec("volumes", "Prepare volumes", 1),
                new PhaseSpec("stack", "Deploy the stack", 4)), false);
        progress.registerUnits("images", IMAGES);
        progress.phaseStarted("preflight");
    }

    @Test
    void showsPhasesAndPercentAsTheyChangeThenTheFailureWithItsHint() throws Exception {
        browser.open(page.toString());
        browser.waitUntil(text("phases") + ".includes('Deploy the stack')", POLLS, "all phases listed");
        for (String name : List.of("preflight", "k0s", "images", "volumes", "stack")) {
            assertTrue(browser.text(text("phases")).contains(name), "phase " + name + " on the page");
        }
        browser.waitUntil(text("percent") + " === '0%'", POLLS, "percent 0%");
        assertEquals("Check the host", browser.text(text("step")));

        progress.phaseFinished("preflight", State.SUCCEEDED, null);
        progress.phaseStarted("k0s");
        progress.phaseFinished("k0s", State.SUCCEEDED, null);
        progress.phaseStarted("images");
        for (String image : IMAGES.subList(0, 7)) {
            progress.unitStarted("images", image);
            progress.unitFinished("images", image, State.SUCCEEDED, null);
        }
        progress.unitStarted("images", "image-8");
        int percent = progress.snapshot().percent();
        assertNotEquals(0, percent);
        browser.waitUntil(text("percent") + " === '" + percent + "%'", POLLS, "percent " + percent + "%");
        assertEquals(percent, browser.eval("document.getElementById('bar').value").asInt(), "<progress> value");
        assertTrue(browser.text(text("phases")).contains("images 7/12"), "units of the images phase");
        assertEquals("image-8", browser.text(text("step")));
        assertTrue(browser.text(text("events")).contains("image-7 succeeded"));
        assertTrue(browser.text("document.querySelector('#events li').textContent").contains("image-7 succeeded"),
                "newest event first");
        assertTrue(browser.text(text("elapsed")).matches("\\d+:\\d\\d"), "elapsed time as m:ss");

        for (int i = 1; i <= 60; i++) {
            progress.event(Severity.INFO, "images", "layer " + i + " copied");
        }
        progress.event(Severity.WARN, "images", "registry slow to answer");
        browser.waitUntil("document.querySelector('#events li.sev-warn:first-child')?.textContent"
                + ".includes('registry slow to answer')", POLLS, "newest event on top, marked as a warning");
        assertEquals(50, browser.eval("document.querySelectorAll('#events li').length").asInt(), "last 50 events");
        assertTrue(browser.text(text("events")).contains("layer 12 copied"));
        assertFalse(browser.text(text("events")).contains("layer 11 copied"), "older events dropped");

        progress.unitFinished("images", "image-8", State.FAILED, "digest mismatch");
        progress.phaseFinished("images", State.FAILED, "digest mismatch");
        progress.finish(State.FAILED, new Failure("images", "importing image-8: digest mismatch",
                "run 'infometis bundle verify' and copy the bundle again"));
        browser.waitUntil("!document.getElementById('failure').hidden", POLLS, "failure shown");
        assertTrue(browser.text(text("failure")).contains("importing image-8: digest mismatch"));
        assertTrue(browser.text(text("failure-hint")).contains("run 'infometis bundle verify' and copy the bundle again"));
        assertTrue(browser.text("document.querySelector('#events li.sev-error').textContent").contains("install failed"),
                "error events marked as such");
        assertEquals("Failed", browser.text(text("state")));
        assertTrue(browser.text("document.title").startsWith(percent + "% Failed"));
        assertEquals(0, browser.eval("performance.getEntriesByType('resource')"
                + ".filter(r => !r.name.startsWith(location.origin)).length").asInt(), "nothing loaded from elsewhere");
        browser.screenshot(Path.of("target", "progress-page-failed.png"));
    }

    @Test
    void showsTheAccessSummaryWhenTheInstallSucceedsReadableOnAPhone() throws Exception {
        browser.viewport(390, 844, true);
        for (String phase : List.of("preflight", "k0s", "images", "volumes", "stack")) {
            if (!phase.equals("preflight")) {
                progress.phaseStarted(phase);
            }
            progress.phaseFinished(phase, State.SUCCEEDED, null);
        }
        progress.setSummary(List.of(new AccessEntry("Grafana", "http://10.0.0.5/grafana"),
                new AccessEntry("Kafka bootstrap", "10.0.0.5:9092")));
        progress.finish(State.SUCCEEDED, null);

        browser.open(page.toString());
        browser.waitUntil(text("percent") + " === '100%'", POLLS, "100%");
        browser.waitUntil("!document.getElementById('summary').hidden", POLLS, "access summary shown");
        assertEquals("http://10.0.0.5/grafana", browser.text("document.querySelector('#summary a').href"));
        assertTrue(browser.text(text("summary")).contains("10.0.0.5:9092"));
        assertTrue(browser.eval("document.getElementById('failure').hidden").asBoolean(), "no failure shown");
        assertTrue(browser.eval("document.documentElement.scrollWidth <= 390").asBoolean(),
                "no sideways scrolling on a 390 px wide phone");
        browser.screenshot(Path.of("target", "progress-page-done-phone.png"));
    }

    @Test
    void saysUnreachableWhileTheInstallerIsDownAndRecoversByItself() throws Exception {
        try (InstallerProxy installer = new InstallerProxy(page.toURI())) {
            browser.open(installer.url());
            browser.waitUntil(text("step") + " === 'Check the host'", POLLS, "first state shown");
            assertTrue(browser.eval("document.getElementById('unreachable').hidden").asBoolean());

            installer.goDown();
            browser.waitUntil("!document.getElementById('unreachable').hidden", POLLS, "unreachable banner");
            assertTrue(browser.text(text("unreachable")).contains("unreachable, retrying"));
            assertEquals("Check the host", browser.text(text("step")), "the last known state stays visible");
            browser.screenshot(Path.of("target", "progress-page-unreachable.png"));

            progress.phaseFinished("preflight", State.SUCCEEDED, null);
            progress.phaseStarted("k0s");
            installer.comeBack();
            browser.waitUntil("document.getElementById('unreachable').hidden", POLLS, "banner gone after recovery");
            browser.waitUntil(text("step") + " === 'Install k0s'", POLLS, "state after recovery");

            progress.phaseFinished("k0s", State.INTERRUPTED, "signal received");
            progress.finish(State.INTERRUPTED, null);
            browser.waitUntil(text("state") + " === 'Interrupted'", POLLS, "final state shown");
            installer.goDown();
            browser.waitUntil("!document.getElementById('ended').hidden", POLLS,
                    "an installer gone after the end is not reported as a failure");
            assertTrue(browser.text(text("unreachable")).contains("unreachable, retrying"));
        }
    }

    @Test
    void takesTheTokenFromTheLinkTheInstallerPrintedAndShowsAnUnsignedBundle() throws Exception {
        access.requireToken("link-token");
        progress.setBundleTrust("unsigned-allowed", "unsigned, accepted because of --allow-unsigned (trusted key /etc/infometis/trusted.pub)");
        try {
            browser.open(page + "#token=link-token");
            browser.waitUntil(text("step") + " === 'Check the host'", POLLS, "progress shown with the token from the link");
            assertTrue(browser.eval("document.getElementById('token-form').hidden").asBoolean(), "no prompt");
            assertEquals("link-token", browser.text("sessionStorage.getItem('infometis.token')"));
            assertEquals("", browser.text("location.hash"), "the token left the address bar");
            browser.waitUntil("!document.getElementById('trust').hidden", POLLS, "the bundle's trust shown");
            assertEquals("unsigned-allowed", browser.text(text("trust-status")));
            assertTrue(browser.text(text("trust-message")).contains("--allow-unsigned"));
            assertEquals("trust-warn", browser.text("document.getElementById('trust').className"));
        } finally {
            progress.setBundleTrust(null, null);
            browser.eval("sessionStorage.clear()");
            access.requireToken(null);
        }
    }

    @Test
    void asksForTheBearerTokenOnceAndKeepsItForTheSession() throws Exception {
        access.requireToken("page-test-token");
        try {
            browser.open(page.toString());
            browser.waitUntil("!document.getElementById('token-form').hidden", POLLS, "token prompt");
            browser.eval("document.getElementById('token').value = 'page-test-token';"
                    + "document.getElementById('token-form').requestSubmit()");
            browser.waitUntil(text("step") + " === 'Check the host'", POLLS, "progress shown with the token");
            assertTrue(browser.eval("document.getElementById('token-form').hidden").asBoolean());
            assertEquals("page-test-token", browser.text("sessionStorage.getItem('infometis.token')"));

            browser.open(page.toString());
            browser.waitUntil(text("step") + " === 'Check the host'", POLLS, "progress shown after a reload");
            assertTrue(browser.eval("document.getElementById('token-form').hidden").asBoolean(), "not asked again");

            browser.eval("sessionStorage.setItem('infometis.token', 'wrong')");
            browser.open(page.toString());
            browser.waitUntil("!document.getElementById('token-form').hidden", POLLS, "asked again for a refused token");
            assertTrue(browser.text(text("token-why")).contains("refused"));
        } finally {
            access.requireToken(null);
            browser.eval("sessionStorage.clear()");
        }
    }

    private static String text(String id) {
        return "document.getElementById('" + id + "').textContent";
    }
}
