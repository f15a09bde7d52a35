package io.infometis.installer.bundle;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One line per image, in bytes. Images are fetched concurrently: on a terminal the earliest unfinished image's
 * line is redrawn in place (at most ten times a second) and each image gets its final line when done; when
 * stdout is a pipe or a file, each image prints one plain line when it is done. "cached" counts bytes already in
 * the cache or fetched for an earlier image.
 */
final class BuildProgress {
    private final PrintWriter out;
    private final boolean terminal;
    private final List<Line> active = new ArrayList<>();
    private long lastDraw;

    BuildProgress(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    synchronized Line start(String ref) {
        Line l = new Line(ref);
        active.add(l);
        return l;
    }

    private synchronized void redraw(boolean force) {
        long now = System.nanoTime();
        if (!terminal || active.isEmpty() || !force && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        out.print("\r\033[2K" + active.get(0).text(false));
        out.flush();
    }

    private synchronized void finish(Line l) {
        active.remove(l);
        out.print(terminal ? "\r\033[2K" + l.text(true) + "\n" : l.text(true) + "\n");
        out.flush();
        redraw(true);
    }

    final class Line {
        private final String ref;
        private final long started = System.nanoTime();
        private final AtomicLong done = new AtomicLong();
        private volatile long total;
        private volatile long cached;

        Line(String ref) {
            this.ref = ref;
        }

        void total(long totalBytes, long cachedBytes) {
            this.total = totalBytes;
            this.cached = cachedBytes;
            done.set(cachedBytes);
            redraw(false);
        }

        void add(long n) {
            done.addAndGet(n);
            redraw(false);
        }

        void finished(String digest) {
            finish(this);
        }

        String text(boolean last) {
            return ref + "  " + mb(done.get()) + " / " + mb(total) + (cached > 0 ? " (" + mb(cached) + " cached)" : "")
                    + (last ? String.format("  done in %.1f s", (System.nanoTime() - started) / 1e9) : "");
        }
    }

    static String mb(long bytes) {
        return String.format("%.1f MB", bytes / 1e6);
    }
}
