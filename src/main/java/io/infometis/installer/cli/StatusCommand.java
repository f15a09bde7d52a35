package io.infometis.installer.cli;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import io.infometis.installer.host.HostPaths;
import io.infometis.installer.progress.State;
import io.infometis.installer.progress.api.ApiAccess;
import io.infometis.installer.progress.remote.ProgressClient;
import io.infometis.installer.progress.remote.StatusPrinter;
import io.infometis.installer.progress.remote.TokenSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show an install's progress from its progress API, here or on another machine.")
public class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    VerboseMixin verbose;

    @Option(names = "--url", required = true, paramLabel = "URL", description = "The installer's API, e.g. http://10.0.0.5:9090")
    URI url;
    @Option(names = "--watch", description = "Follow the install until it ends, printing each new event once.")
    boolean watch;
    @Option(names = "--timeout", paramLabel = "DURATION", description = "Keep retrying an unreachable API this long (default: ${DEFAULT-VALUE}).", defaultValue = "30s", converter = DurationConverter.class)
    Duration timeout;
    @Option(names = "--output", paramLabel = "FORMAT", description = "text or json (default: ${DEFAULT-VALUE}).", defaultValue = "text")
    String output;
    @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the API's bearer token.")
    Path tokenFile;
    @Option(names = "--token", paramLabel = "TOKEN", description = "The API's bearer token (visible in ps: prefer --token-file or INFOMETIS_TOKEN).")
    String token;
    @Option(names = "--state-dir", paramLabel = "DIR", description = "For a localhost URL, where the installer keeps its token (default: ${DEFAULT-VALUE}).", defaultValue = HostPaths.STATE_DIR)
    Path stateDir;

    @Override
    public Integer call() throws Exception {
        if (!output.equals("text") && !output.equals("json")) {
            throw InstallerException.invalidInput("--output " + output + " is not a format", "use text or json");
        }
        if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https")) || url.getHost() == null) {
            throw InstallerException.invalidInput("--url " + url + " is not an http(s) URL", "use e.g. http://HOST:9090");
        }
        PrintWriter out = spec.commandLine().getOut();
        String bearer = TokenSource.resolve(token, tokenFile, System.getenv(TokenSource.ENV), url,
                stateDir.resolve(ApiAccess.TOKEN_FILE_NAME));
        ProgressClient client = new ProgressClient(url, bearer);
        StatusPrinter printer = new StatusPrinter(out, output.equals("json"), System.console() != null);
        State state = watch ? printer.watch(client, timeout) : printer.once(client, timeout);
        return exitCode(state);
    }

    private static int exitCode(State state) {
        return switch (state) {
            case SUCCEEDED -> ExitCodes.DONE;
            case FAILED, INTERRUPTED -> ExitCodes.FAILED;
            default -> ExitCodes.DONE;
        };
    }
}
