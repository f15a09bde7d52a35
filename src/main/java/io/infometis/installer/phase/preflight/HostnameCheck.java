package io.infometis.installer.phase.preflight;

import java.nio.file.Path;
import java.util.Optional;

import io.infometis.installer.k8s.NodeName;
import io.infometis.installer.phase.PhaseContext;

/**
 * The hostname must make a valid node name. k0s registers the node as the trimmed, lower-cased kernel hostname
 * (k0s pkg/node/nodename.go, through kubelet's nodeutil.GetHostname), and the API server accepts only a DNS-1123
 * subdomain: a name with '_' or a trailing '.' never registers, and the node-Ready wait would time out.
 */
public final class HostnameCheck implements PreflightCheck {
    @Override
    public String name() {
        return "hostname";
    }

    @Override
    public CheckResult check(PhaseContext ctx, HostFacts facts) throws Exception {
        String hostname = facts.read(Path.of("/proc/sys/kernel/hostname")).trim();
        String node = NodeName.fromHostname(hostname);
        Optional<String> invalid = NodeName.invalidReason(node);
        if (invalid.isPresent()) {
            return CheckResult.hostFail(ctx, name(), "the hostname '" + hostname + "' is no valid Kubernetes node name: "
                    + invalid.get(), "give the host a DNS-style name, e.g. 'hostnamectl set-hostname infometis-1', then rerun");
        }
        return CheckResult.pass(name(), hostname.equals(node) ? "node name " + node
                : "node name " + node + " (k0s lower-cases the hostname " + hostname + ")");
    }
}
