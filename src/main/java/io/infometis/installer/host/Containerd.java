package io.infometis.installer.host;

import java.io.IOException;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The image store of k0s's containerd, namespace {@code k8s.io}: list it once, import a stream of images, label one.
 * Production goes through {@code k0s ctr}; see {@link K0sContainerd}.
 */
public interface Containerd {

    /** Every image in the store by exact name. One call. */
    Map<String, StoredImage> images() throws IOException;

    /**
     * Imports an OCI-layout tar written by {@code archive} (streamed, never staged on disk).
     *
     * @param unpacked receives {@code (ref, digest)} each time ctr reports an image unpacked
     */
    void importArchive(Processes.StdinWriter archive, Consumer<StoredImage> unpacked) throws IOException;

    void label(String ref, String key, String value) throws IOException;

    /** Removes one label (ctr: an empty value deletes the key). */
    void unlabel(String ref, String key) throws IOException;

    /**
     * Removes the image's name; containerd's garbage collector then frees the content no other image shares.
     * A running container keeps its snapshot, so this never stops a pod.
     */
    void remove(String ref) throws IOException;

    /** One entry of {@code ctr images ls}: the name, its target digest and its labels. */
    record StoredImage(String ref, String digest, Map<String, String> labels) {
        public StoredImage {
            labels = labels == null ? Map.of() : Map.copyOf(labels);
        }

        public boolean pinned() {
            return "pinned".equals(labels.get(K0sContainerd.PINNED));
        }
    }
}
