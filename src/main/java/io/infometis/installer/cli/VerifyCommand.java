package io.infometis.installer.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.k8s.KubeClients;
import io.infometis.installer.phase.VerifyPhase;
import io.infometis.installer.verify.DataPathChecks;
import io.infometis.installer.verify.HttpJson;
import io.infometis.installer.verify.StackEndpoints;
import io.infometis.installer.verify.Verification;
import io.infometis.installer.verify.VerifyRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check the installed platform's data path end to end (the install's verify phase), at any time.")
public class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    VerboseMixin verbose;

    @Mixin
    InstalledHostMixin host;
    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "The cluster's admin kubeconfig (default: k0s's, <root>/var/lib/k0s/pki/admin.conf).")
    Path kubeconfig;

    @Override
    public Integer call() throws Exception {
        Path config = kubeconfig != null ? kubeconfig : host.paths().adminKubeconfig();
        if (!Files.isRegularFile(config)) {
            throw InstallerException.invalidInput("no kubeconfig at " + config,
                    "run 'infometis install' first, or pass --kubeconfig");
        }
        PrintWriter out = spec.commandLine().getOut();
        Verification verification = new Verification(DataPathChecks.standard(), 3, 5_000);
        List<Verification.Failure> failures;
        try (KubernetesClient client = KubeClients.fromKubeconfig(config).get()) {
            VerifyRun run = new VerifyRun(VerifyPhase.runId(), new StackEndpoints(client),
                    new HttpJson(Duration.ofSeconds(30)), 3, () -> { });
            failures = verification.run(run, new ConsoleListener(out));
        }
        if (!failures.isEmpty()) {
            Verification.Failure first = failures.get(0);
            throw new InstallerException(failures.size() + " of " + verification.names().size()
                    + " data-path checks failed, first " + first.check() + ": " + first.reason(), first.next(),
                    ExitCodes.FAILED);
        }
        out.println("The data path works end to end: " + verification.names().size() + " checks passed.");
        return ExitCodes.DONE;
    }

    private record ConsoleListener(PrintWriter out) implements Verification.Listener {
        @Override
        public void started(String check) {
        }

        @Override
        public void passed(String check, String detail) {
            out.println("  ok    " + check + ": " + detail);
            out.flush();
        }

        @Override
        public void failed(String check, String reason) {
            out.println("  FAIL  " + check + ": " + reason);
            out.flush();
        }
    }
}
