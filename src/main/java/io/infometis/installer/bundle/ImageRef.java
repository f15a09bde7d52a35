package io.infometis.installer.bundle;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.infometis.installer.InstallerException;

/**
 * A fully qualified image reference: {@code registry/repository(:tag|@sha256:…)}. Docker Hub's short forms are
 * refused in the spec (the bundle must name what containerd and the kubelet will look up), but its API host
 * differs from its name: {@code docker.io} is served by {@code registry-1.docker.io}.
 */
public record ImageRef(String registry, String repository, String tag, String digest) {
    private static final Pattern REF = Pattern.compile(
            "(?<reg>[a-zA-Z0-9.-]+(?::\\d+)?)/(?<repo>[a-z0-9]+(?:[._/-]+[a-z0-9]+)*)(?::(?<tag>[\\w][\\w.-]{0,127}))?(?:@(?<digest>sha256:[0-9a-f]{64}))?");

    public static ImageRef parse(String ref) {
        Matcher m = REF.matcher(ref == null ? "" : ref);
        if (!m.matches() || (m.group("tag") == null && m.group("digest") == null)
                || !(m.group("reg").contains(".") || m.group("reg").contains(":") || m.group("reg").equals("localhost"))) {
            throw InstallerException.invalidInput("image '" + ref + "' is not a fully qualified ref with a tag or digest",
                    "write it as registry/repository:tag, e.g. docker.io/library/busybox:1.35");
        }
        return new ImageRef(m.group("reg"), m.group("repo"), m.group("tag"), m.group("digest"));
    }

    /** Host (and port) of the registry API. */
    public String apiHost() {
        return registry.equals("docker.io") ? "registry-1.docker.io" : registry;
    }

    /** What to ask the registry for: the digest when pinned, else the tag. */
    public String reference() {
        return digest != null ? digest : tag;
    }

    @Override
    public String toString() {
        return registry + "/" + repository + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
