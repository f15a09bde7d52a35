package io.infometis.installer.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Mount points under a directory, and unmounting them; read from {@code /proc/self/mountinfo}. */
public interface Mounts {

    /** Mount points at or below {@code dir}, deepest first (the order to unmount them in). */
    List<Path> under(Path dir) throws IOException;

    /** @return true when unmounted; false when busy or otherwise refused */
    boolean unmount(Path mountPoint, boolean lazy) throws IOException;

    static Mounts live() {
        return new Mounts() {
            @Override
            public List<Path> under(Path dir) throws IOException {
                Path base = dir.toAbsolutePath().normalize();
                List<Path> found = new ArrayList<>();
                for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                    String[] f = line.split(" ");
                    if (f.length > 4) {
                        Path mp = Path.of(unescape(f[4]));
                        if (mp.startsWith(base)) {
                            found.add(mp);
                        }
                    }
                }
                found.sort(Comparator.comparingInt(Path::getNameCount).reversed());
                return found;
            }

            @Override
            public boolean unmount(Path mountPoint, boolean lazy) throws IOException {
                List<String> cmd = lazy ? List.of("umount", "-l", mountPoint.toString()) : List.of("umount", mountPoint.toString());
                return Processes.run(cmd, Duration.ofSeconds(30)).ok();
            }
        };
    }

    /** mountinfo escapes space, tab, newline and backslash as octal ({@code \040}). */
    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
