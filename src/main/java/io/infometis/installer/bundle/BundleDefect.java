package io.infometis.installer.bundle;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;

/**
 * The first thing wrong with a bundle file: which entry, and what. Exit code 2 (invalid input): a corrupt or
 * tampered bundle is never installed.
 */
public final class BundleDefect extends InstallerException {
    private final String entry;
    private final String defect;

    public BundleDefect(String entry, String defect) {
        // Entry names and defects quote bundle bytes: control characters are escaped so the message stays one line.
        super("bundle entry " + Grammar.printable(String.valueOf(entry)) + ": " + Grammar.printable(String.valueOf(defect)),
                "the bundle is corrupt or was tampered with; copy it again from its source and run 'infometis bundle verify'",
                ExitCodes.INVALID_INPUT);
        this.entry = entry;
        this.defect = defect;
    }

    public String entry() {
        return entry;
    }

    public String defect() {
        return defect;
    }
}
