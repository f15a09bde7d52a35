package io.infometis.installer.support;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The support bundle's tar.gz, written as it is collected, ending with MANIFEST.txt: every file it holds, and every
 * source that could not be collected with the reason, so the reader knows what is missing and why.
 */
final class SupportArchive implements AutoCloseable {
    private final TarArchiveOutputStream tar;
    private final String top;
    private final List<String> collected = new ArrayList<>();
    private final List<String> missing = new ArrayList<>();

    SupportArchive(OutputStream out, String top) throws IOException {
        this.tar = new TarArchiveOutputStream(new GZIPOutputStream(out, 64 * 1024));
        this.tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        this.top = top;
    }

    void add(String name, String text) throws IOException {
        add(name, text.getBytes(StandardCharsets.UTF_8));
    }

    void add(String name, byte[] bytes) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(top + "/" + name);
        e.setSize(bytes.length);
        e.setMode(0600);
        e.setModTime(Instant.now().toEpochMilli());
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
        collected.add(name);
    }

    void missing(String what, String why) {
        missing.add(what + ": " + why);
    }

    List<String> missing() {
        return List.copyOf(missing);
    }

    List<String> collected() {
        return List.copyOf(collected);
    }

    @Override
    public void close() throws IOException {
        StringBuilder m = new StringBuilder("InfoMetis support bundle, written " + Instant.now() + "\n\ncollected:\n");
        collected.forEach(c -> m.append("  ").append(c).append('\n'));
        m.append("\nnot collected:\n");
        missing.forEach(c -> m.append("  ").append(c).append('\n'));
        if (missing.isEmpty()) {
            m.append("  (nothing: every source answered)\n");
        }
        add("MANIFEST.txt", m.toString());
        tar.finish();
        tar.close();
    }
}
