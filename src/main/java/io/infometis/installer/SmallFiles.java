package io.infometis.installer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads the small files an operator names on the command line (keys, tokens, specs) with a bound: a regular file
 * of at most {@code maxBytes}, refused before it is read otherwise. {@code --public-key /dev/zero} is one line
 * and exit 2, not an OutOfMemoryError.
 */
public final class SmallFiles {
    /** Keys and tokens: a PEM Ed25519 key is a few hundred bytes. */
    public static final int KEY_BYTES = 16 * 1024;
    /** Bundle specs: the repository's is a few KiB. */
    public static final int SPEC_BYTES = 1 << 20;

    private SmallFiles() {
    }

    /** @param what names the file in the message, e.g. {@code "--public-key"} */
    public static byte[] read(Path file, int maxBytes, String what) {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw InstallerException.invalidInput(what + " " + file + " not found", "check the path");
        }
        if (attrs.isDirectory()) {
            throw InstallerException.invalidInput(what + " " + file + " is a directory", "name the file inside it");
        }
        if (!attrs.isRegularFile()) {
            throw InstallerException.invalidInput(what + " " + file + " is not a regular file (a device, a fifo or a socket)",
                    "name a regular file");
        }
        if (attrs.size() > maxBytes) {
            throw InstallerException.invalidInput(what + " " + file + " is " + attrs.size() + " bytes, more than "
                    + maxBytes + " for this kind of file", "check that it is the right file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            // The file may have grown since it was measured: read one byte more than allowed, never all of it.
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw InstallerException.invalidInput(what + " " + file + " grew past " + maxBytes + " bytes while being read",
                        "check that it is the right file");
            }
            return bytes;
        } catch (IOException e) {
            throw InstallerException.invalidInput(what + " " + file + " is unreadable (" + e.getMessage() + ")",
                    "check the path and its permissions");
        }
    }
}
