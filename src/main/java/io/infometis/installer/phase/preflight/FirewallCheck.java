package io.infometis.installer.phase.preflight;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import io.infometis.installer.phase.PhaseContext;

/**
 * An active host firewall. firewalld's default zone and ufw's default routed policy (DROP) block what k0s needs:
 * traffic from the pod and Service networks (10.244.0.0/16, 10.96.0.0/12 in k0s's default config) and k0s's ports.
 * The install would then "succeed" with pods that cannot reach each other or DNS. k0s's networking docs
 * ("Firewalld &amp; k0s") list what to open. The check cannot read the rules, so it refuses with the remedy, and an
 * operator who has opened them bypasses it.
 */
public final class FirewallCheck implements PreflightCheck {
    static final Path UFW_CONF = Path.of("/etc/ufw/ufw.conf");
    static final String CIDRS = "10.244.0.0/16 (pods) and 10.96.0.0/12 (Services)";

    @Override
    public String name() {
        return "firewall";
    }

    @Override
    public CheckResult check(PhaseContext ctx, HostFacts facts) throws Exception {
        if (facts.unitActive("firewalld.service") || !RunningProcesses.read(facts).named("firewalld").isEmpty()) {
            return CheckResult.hostFail(ctx, name(), "firewalld is active: it blocks " + CIDRS + " and k0s's ports",
                    "open them: 'firewall-cmd --permanent --add-source=10.244.0.0/16 --add-source=10.96.0.0/12 "
                            + "--add-port={6443,8132,9443,10250,179,80,8083,9000}/tcp && firewall-cmd --reload', then rerun with "
                            + "--ignore-preflight firewall; or 'systemctl disable --now firewalld'");
        }
        if (ufwEnabled(facts)) {
            return CheckResult.hostFail(ctx, name(), "ufw is enabled (" + UFW_CONF + "): it blocks " + CIDRS
                    + ", routed pod traffic and k0s's ports",
                    "open them: 'ufw allow from 10.244.0.0/16; ufw allow from 10.96.0.0/12; ufw default allow routed; "
                            + "ufw allow 6443,8132,9443,10250,179,80,8083,9000/tcp', then rerun with --ignore-preflight firewall; "
                            + "or 'ufw disable'");
        }
        return CheckResult.pass(name(), "no firewalld or ufw active");
    }

    /** ufw is no daemon: its rules are loaded at boot when ufw.conf says ENABLED=yes. */
    private static boolean ufwEnabled(HostFacts facts) throws Exception {
        try {
            return facts.read(UFW_CONF).lines().map(String::trim)
                    .anyMatch(l -> l.replace("\"", "").replace("'", "").equalsIgnoreCase("ENABLED=yes"));
        } catch (NoSuchFileException e) {
            return false;
        }
    }
}
