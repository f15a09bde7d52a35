package io.infometis.installer.phase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.K0sStatus;

/**
 * The four waits after {@code k0s start}, in order, each with its own timeout, each retrying through
 * "connection refused" and friends: the status socket exists, {@code k0s status} answers, the API answers, the node
 * is Ready. A timeout names the wait and the last error.
 */
public final class K0sReadiness {

    /** How long each wait may take, and how often it polls. */
    public record Timeouts(Duration socket, Duration status, Duration api, Duration node, Duration poll) {
        public static Timeouts standard() {
            return new Timeouts(Duration.ofMinutes(2), Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10),
                    Duration.ofSeconds(1));
        }
    }

    private final Supplier<KubernetesClient> clients;
    private final Timeouts timeouts;

    public K0sReadiness(Supplier<KubernetesClient> clients, Timeouts timeouts) {
        this.clients = clients;
        this.timeouts = timeouts;
    }

    public void statusSocket(PhaseContext ctx, Path socket) {
        until(ctx, "k0s status socket " + socket, timeouts.socket(), () -> Files.exists(socket) ? "exists" : null);
    }

    public K0sStatus status(PhaseContext ctx, K0sCli k0s) {
        K0sStatus[] last = new K0sStatus[1];
        until(ctx, "k0s status", timeouts.status(), () -> {
            last[0] = k0s.status();
            return last[0] == null ? null : last[0].version() + ", role " + last[0].role();
        });
        return last[0];
    }

    public void api(PhaseContext ctx) {
        until(ctx, "Kubernetes API", timeouts.api(), () -> {
            try (KubernetesClient client = clients.get()) {
                return "answers (" + client.nodes().list().getItems().size() + " nodes)";
            }
        });
    }

    public void nodeReady(PhaseContext ctx) {
        until(ctx, "node Ready", timeouts.node(), () -> {
            try (KubernetesClient client = clients.get()) {
                for (Node n : client.nodes().list().getItems()) {
                    boolean ready = n.getStatus() != null && n.getStatus().getConditions() != null && n.getStatus()
                            .getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
                    if (ready) {
                        return n.getMetadata().getName() + " is Ready";
                    }
                }
                return null;
            }
        });
    }

    @FunctionalInterface
    interface Probe {
        /** @return what was seen when the wait is over, or null to keep waiting */
        String probe() throws Exception;
    }

    private void until(PhaseContext ctx, String what, Duration timeout, Probe probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastError = "not yet";
        while (true) {
            ctx.checkCancelled();
            try {
                String seen = probe.probe();
                if (seen != null) {
                    ctx.step(what + ": " + seen);
                    return;
                }
            } catch (InstallerException e) {
                throw e;
            } catch (Exception e) {
                // Connection refused, TLS not ready, 503 from a starting API server: all mean "not yet".
                lastError = rootMessage(e);
            }
            if (System.nanoTime() > deadline) {
                throw new InstallerException(what + " not ready after " + timeout.toSeconds() + " s (last: " + lastError + ")",
                        "look at k0s's log (journalctl -u k0scontroller) and rerun to resume", ExitCodes.FAILED);
            }
            try {
                Thread.sleep(timeouts.poll().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ctx.checkCancelled();
            }
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
