package io.infometis.installer.phase.preflight;

import io.infometis.installer.phase.PhaseContext;

/** The bundle's k0s and images are built for one platform; the host must match it. */
public final class ArchitectureCheck implements PreflightCheck {
    @Override
    public String name() {
        return "arch";
    }

    @Override
    public CheckResult check(PhaseContext ctx, HostFacts facts) {
        String host = normalise(facts.arch());
        String platform = ctx.bundle() == null || ctx.bundle().manifest().platform() == null ? "linux/amd64"
                : ctx.bundle().manifest().platform();
        String wanted = platform.substring(platform.indexOf('/') + 1);
        return host.equals(wanted) ? CheckResult.pass(name(), "architecture " + host + " matches the bundle (" + platform + ")")
                : CheckResult.fail(name(), "architecture " + host + " but the bundle is for " + platform,
                        "use a bundle built with --platform linux/" + host);
    }

    static String normalise(String arch) {
        return switch (arch) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
    }
}
