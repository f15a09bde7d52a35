package io.infometis.installer.phase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.host.Containerd;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.host.K0sStatus;

/**
 * The waits after {@code k0s start}, each with its own timeout, each retrying through "connection refused" and
 * friends. The k0s phase waits for the status socket and for k0s's containerd; the node phase (after the images are
 * in) for {@code k0s status}, the API and a Ready node. A timeout names the wait and the last error.
 */
public final class K0sReadiness {

    /** How long each wait may take, and how often it polls. */
    public record Timeouts(Duration socket, Duration containerd, Duration status, Duration api, Duration node,
            Duration poll) {
        public static Timeouts standard() {
            return new Timeouts(Duration.ofMinutes(2), Duration.ofMinutes(2), Duration.ofMinutes(2), Duration.ofMinutes(5),
                    Duration.ofMinutes(10), Duration.ofSeconds(1));
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

    /** k0s starts its containerd a moment after its status socket; the images phase needs it to answer. */
    public String containerd(PhaseContext ctx, Containerd containerd) {
        String[] seen = new String[1];
        until(ctx, "k0s's containerd", timeouts.containerd(), () -> {
            seen[0] = "answers (" + containerd.images().size() + " images)";
            return seen[0];
        });
        return seen[0];
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
            try (KubernetesClient client = client()) {
                return "answers (" + client.nodes().list().getItems().size() + " nodes)";
            }
        });
    }

    /**
     * @param diagnose called with a client on every poll while no node is Ready; throws (an {@link InstallerException})
     *                 to end the wait early with what a pod shows, e.g. a sandbox that cannot be created
     */
    public String nodeReady(PhaseContext ctx, Consumer<KubernetesClient> diagnose) {
        String[] seen = new String[1];
        until(ctx, "node Ready", timeouts.node(), () -> {
            try (KubernetesClient client = client()) {
                seen[0] = readyNode(client);
                if (seen[0] == null) {
                    diagnose.accept(client);
                    throw new NotYet(notReadyNodes(client));
                }
                return seen[0] + " is Ready";
            }
        });
        return seen[0];
    }

    /** k0s writes its admin kubeconfig a moment after it starts: until then, "not yet" rather than a failure. */
    private KubernetesClient client() throws NotYet {
        try {
            return clients.get();
        } catch (InstallerException noKubeconfigYet) {
            throw new NotYet(noKubeconfigYet.getMessage());
        }
    }

    /** The name of a Ready node, or null. */
    public static String readyNode(KubernetesClient client) {
        for (Node n : client.nodes().list().getItems()) {
            if (readyCondition(n).map(c -> "True".equals(c.getStatus())).orElse(false)) {
                return n.getMetadata().getName();
            }
        }
        return null;
    }

    /** What the nodes say about not being Ready (kubelet's message, e.g. "cni plugin not initialized"). */
    private static String notReadyNodes(KubernetesClient client) {
        List<String> seen = new ArrayList<>();
        for (Node n : client.nodes().list().getItems()) {
            seen.add(n.getMetadata().getName() + " " + readyCondition(n)
                    .map(c -> "NotReady" + (c.getMessage() == null ? "" : ": " + c.getMessage())).orElse("has no Ready condition"));
        }
        return seen.isEmpty() ? "no node registered yet" : String.join("; ", seen);
    }

    private static Optional<NodeCondition> readyCondition(Node n) {
        return n.getStatus() == null || n.getStatus().getConditions() == null ? Optional.empty()
                : n.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst();
    }

    /** "Not yet", with what was seen: the last error a timeout reports. */
    private static final class NotYet extends Exception {
        NotYet(String seen) {
            super(seen, null, false, false);
        }
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
