package io.infometis.installer.bundle;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One line per image, in bytes. On a terminal the line is redrawn in place (at most ten times a second); when
 * stdout is a pipe or a file, each image prints one plain line when it is done.
 */
final class BuildProgress {
    private final PrintWriter out;
    private final boolean terminal;

    BuildProgress(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    Line start(String ref) {
        return new Line(ref);
    }

    final class Line {
        private final String ref;
        private final long started = System.nanoTime();
        private final AtomicLong done = new AtomicLong();
        private volatile long total;
        private volatile long cached;
        private volatile long lastDraw;

        Line(String ref) {
            this.ref = ref;
        }

        void total(long totalBytes, long cachedBytes) {
            this.total = totalBytes;
            this.cached = cachedBytes;
            done.set(cachedBytes);
            draw(false);
        }

        void add(long n) {
            done.addAndGet(n);
            long now = System.nanoTime();
            if (terminal && now - lastDraw > 100_000_000L) {
                lastDraw = now;
                draw(false);
            }
        }

        void finished(String digest) {
            draw(true);
        }

        private synchronized void draw(boolean last) {
            if (!terminal && !last) {
                return;
            }
            String secs = String.format("%.1f s", (System.nanoTime() - started) / 1e9);
            String line = ref + "  " + mb(done.get()) + " / " + mb(total) + (cached > 0 ? " (" + mb(cached) + " cached)" : "")
                    + (last ? "  done in " + secs : "");
            if (terminal) {
                out.print("\r\033[2K" + line + (last ? "\n" : ""));
            } else {
                out.println(line);
            }
            out.flush();
        }
    }

    static String mb(long bytes) {
        return String.format("%.1f MB", bytes / 1e6);
    }
}
