package io.infometis.installer.bundle;

import java.util.regex.Matcher;

import io.infometis.installer.InstallerException;

/**
 * A fully qualified image reference, {@code registry/repository(:tag|@sha256:…)} ({@link Grammar#IMAGE_REF}: the
 * distribution reference grammar with the registry required). Docker Hub's short forms are refused in the spec (the bundle must name what containerd and the kubelet will look up), but its API host
 * differs from its name: {@code docker.io} is served by {@code registry-1.docker.io}.
 */
public record ImageRef(String registry, String repository, String tag, String digest) {
    public static ImageRef parse(String ref) {
        if (ref == null || !Grammar.isImageRef(ref)) {
            throw InstallerException.invalidInput("image " + Grammar.quote(ref) + " is not a fully qualified ref with a tag or digest",
                    "write it as registry/repository:tag, e.g. docker.io/library/busybox:1.35");
        }
        Matcher m = Grammar.REFERENCE.matcher(ref);
        m.matches();
        return new ImageRef(m.group("domain"), m.group("path"), m.group("tag"), m.group("digest"));
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
