package io.infometis.installer.progress.remote;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.infometis.installer.InstallerException;
import io.infometis.installer.progress.api.ApiAccess;

/**
 * Which bearer token {@code status} sends, first found: {@code --token}, {@code --token-file}, the environment
 * variable {@value #ENV}, and for an installer on this host (a loopback URL) the token file the installer keeps
 * in its state dir. The local file is read only when it is readable (it is 0600, root's): otherwise the API's
 * 401 says what to pass.
 */
public final class TokenSource {
    public static final String ENV = "INFOMETIS_TOKEN";

    private TokenSource() {
    }

    public static String resolve(String token, Path tokenFile, String fromEnv, URI url, Path localTokenFile) {
        if (token != null) {
            return nonBlank(token, "--token is empty");
        }
        if (tokenFile != null) {
            return nonBlank(read(tokenFile, "--token-file " + tokenFile), "--token-file " + tokenFile + " is empty");
        }
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.trim();
        }
        if (localTokenFile != null && isLoopback(url) && Files.isReadable(localTokenFile)) {
            String local = read(localTokenFile, "the installer's token file " + localTokenFile).trim();
            return local.isEmpty() ? null : local;
        }
        return null;
    }

    static boolean isLoopback(URI url) {
        String host = url.getHost();
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        // Only literal addresses: resolving a name here would be a DNS lookup, and a name can point anywhere.
        if (!host.matches("[0-9.]+|\\[[0-9a-fA-F:.]+\\]")) {
            return false;
        }
        try {
            return InetAddress.getByName(host.replace("[", "").replace("]", "")).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String read(Path file, String what) {
        try {
            return ApiAccess.readTokenFile(file);
        } catch (IOException e) {
            throw InstallerException.invalidInput(what + " is unreadable (" + e.getMessage() + ")",
                    "check the path and its permissions");
        }
    }

    private static String nonBlank(String value, String whyEmpty) {
        if (value.isBlank()) {
            throw InstallerException.invalidInput(whyEmpty, "pass the token the installer printed at start");
        }
        return value.trim();
    }
}
