package io.infometis.installer.progress.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Idle sockets cannot pile up: past the connection cap a new socket is closed by the server as soon as it is
 * accepted, and an idle one is closed after the idle timeout, after which requests are served again. The cap is
 * set low here (the shipped one is in application.properties); nothing is timed beyond generous socket timeouts
 * that only stop a broken test from hanging.
 */
@QuarkusTest
@TestProfile(ApiConnectionLimitsTest.LowCap.class)
class ApiConnectionLimitsTest {
    static final int CAP = 4;

    public static class LowCap implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.limits.max-connections", Integer.toString(CAP), "quarkus.http.idle-timeout", "3S");
        }
    }

    @TestHTTPResource("/")
    URL base;

    /** Sends one request on an open socket; true when an HTTP answer came back, false when the server had closed it. */
    private static boolean answered(Socket s) {
        try {
            s.getOutputStream().write("GET /q/health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            byte[] head = s.getInputStream().readNBytes(12);
            return new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200");
        } catch (IOException closedByServer) {
            return false;
        }
    }

    /** Reads until the server closes the socket: -1 (FIN) or a reset. Throws if it stays open for 60 s. */
    private static void awaitClosedByServer(Socket s) throws IOException {
        s.setSoTimeout(60_000);
        InputStream in = s.getInputStream();
        try {
            while (in.read() >= 0) {
                // drain any answer still in flight
            }
        } catch (java.net.SocketException reset) {
            // A reset is the server closing too.
        }
    }

    @Test
    void socketsPastTheCapAreClosedAndIdleOnesTimeOut() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < CAP + 6; i++) {
                Socket s = new Socket(base.getHost(), base.getPort());
                s.setSoTimeout(60_000);
                sockets.add(s);
            }
            int served = 0;
            for (Socket s : sockets) {
                if (answered(s)) {
                    served++;
                }
            }
            assertTrue(served >= 1 && served <= CAP, "served " + served + " of " + sockets.size() + " with a cap of " + CAP);
            // Every socket, served or not, ends closed by the server: refused at once, or idle past the timeout.
            for (Socket s : sockets) {
                awaitClosedByServer(s);
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        HttpResponse<String> after = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "q/health/live"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, after.statusCode(), "served again once the idle sockets are gone");
    }
}
