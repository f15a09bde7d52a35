package io.infometis.installer.testing;

import java.io.IOException;
import java.util.Map;
import java.util.function.Consumer;

import io.infometis.installer.host.Containerd;
import io.infometis.installer.host.Processes;

/** A {@link Containerd} that passes every call to a real one: tests override the one call they bend. */
public class ForwardingContainerd implements Containerd {
    protected final Containerd real;

    public ForwardingContainerd(Containerd real) {
        this.real = real;
    }

    @Override
    public Map<String, StoredImage> images() throws IOException {
        return real.images();
    }

    @Override
    public void importArchive(Processes.StdinWriter archive, Consumer<StoredImage> unpacked) throws IOException {
        real.importArchive(archive, unpacked);
    }

    @Override
    public void label(String ref, String key, String value) throws IOException {
        real.label(ref, key, value);
    }

    @Override
    public void unlabel(String ref, String key) throws IOException {
        real.unlabel(ref, key);
    }

    @Override
    public void remove(String ref) throws IOException {
        real.remove(ref);
    }
}
