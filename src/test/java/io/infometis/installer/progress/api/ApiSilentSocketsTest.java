package io.infometis.installer.progress.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Sockets that never send a byte count against the cap too. With cleartext HTTP/2 allowed, Vert.x made the
 * connection only once bytes arrived, so silent sockets were never counted (2,000 of them held 1,964
 * descriptors). The idle timeout is long here, so whatever the server closes it closes because of the cap. The
 * 30 s bound only stops a broken server from hanging the test; nothing is timed.
 */
@QuarkusTest
@TestProfile(ApiSilentSocketsTest.LowCapLongIdle.class)
class ApiSilentSocketsTest {
    static final int CAP = 4;
    static final int EXTRA = 6;

    public static class LowCapLongIdle implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.limits.max-connections", Integer.toString(CAP), "quarkus.http.idle-timeout", "10M");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Test
    void silentSocketsPastTheCapAreClosedByTheServer() throws Exception {
        List<SocketChannel> sockets = new ArrayList<>();
        List<SocketChannel> all = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < CAP + EXTRA; i++) {
                SocketChannel ch = SocketChannel.open(new InetSocketAddress(base.getHost(), base.getPort()));
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ);
                sockets.add(ch);
                all.add(ch);
            }
            // Nothing is sent: wait until the server has closed EXTRA of them (end of stream or reset).
            Set<SocketChannel> closed = new HashSet<>();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (closed.size() < EXTRA && System.nanoTime() < deadline) {
                selector.select(1000);
                for (SelectionKey k : selector.selectedKeys()) {
                    SocketChannel ch = (SocketChannel) k.channel();
                    if (isClosedByServer(ch)) {
                        closed.add(ch);
                        k.cancel();
                    }
                }
                selector.selectedKeys().clear();
            }
            assertEquals(EXTRA, closed.size(), "sockets past the cap of " + CAP + " closed by the server");
            sockets.removeAll(closed);
        } catch (AssertionError | IOException e) {
            for (SocketChannel ch : all) {
                ch.close();
            }
            throw e;
        }
        try {
            // The CAP kept ones are real connections, each answered.
            for (SocketChannel ch : sockets) {
                ch.configureBlocking(true);
                ch.socket().setSoTimeout(30_000);
                ch.socket().getOutputStream().write(request());
                String head = new String(ch.socket().getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertTrue(head.startsWith("HTTP/1.1 200"), head);
            }
        } finally {
            for (SocketChannel ch : all) {
                ch.close();
            }
        }
    }

    private static boolean isClosedByServer(SocketChannel ch) {
        try {
            return ch.read(ByteBuffer.allocate(64)) < 0;
        } catch (IOException reset) {
            return true;
        }
    }

    static byte[] request() {
        return "GET /q/health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    }
}
