package io.infometis.installer.bundle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPOutputStream;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.InstallerException;
import io.infometis.installer.bundle.HostileBundlesTest.Raw;

/**
 * A seeded mutational fuzzer for the bundle reader and verifier. From a small valid bundle (plain and gzip'd) it
 * makes each case with 1–3 mutations — bit flips, byte inserts and deletes, tar header field edits (with a
 * re-computed header checksum most of the time, so the parser behind the checksum is reached), truncation, junk
 * appended, tar entries reordered, JSON documents edited and resealed — and feeds it to {@code verify}. The only
 * allowed outcomes are a good bundle or an {@link InstallerException} with exit 2 and a one-line message; anything
 * else is a crash, and a case that runs past its timeout is a hang. Sizes are bounded by small
 * {@link BundleLimits}, so a case cannot run out of memory. Case {@code i} of seed {@code s} is reproducible alone.
 *
 * <pre>java … BundleFuzzer SEED SECONDS   (bench/fuzz-bundle.sh)</pre>
 */
public final class BundleFuzzer {
    static final BundleLimits LIMITS = new BundleLimits(64L << 20, 10_000, 8L << 20, 100, 8);

    /** The figures of a run. */
    public record Result(long cases, long good, long refused, List<String> crashes, List<String> hangs) {
        @Override
        public String toString() {
            return "cases run " + cases + ", good " + good + ", refused (exit 2) " + refused + ", crashes " + crashes.size()
                    + ", hangs " + hangs.size();
        }
    }

    private final long seed;
    private final Path work;
    private final byte[] plain;
    private final byte[] gzipped;
    private final List<Raw> entries;
    private final List<Integer> headers;
    private final Forge forge;

    public BundleFuzzer(Path work, long seed) throws IOException {
        this.seed = seed;
        this.work = work;
        this.forge = new Forge(work);
        this.plain = Files.readAllBytes(forge.good);
        this.gzipped = gz(plain);
        this.entries = forge.entries();
        this.headers = headerOffsets(plain);
    }

    /** Runs {@code cases} cases (or until {@code deadlineNanos}, when positive), each under {@code timeoutSeconds}. */
    public Result run(long cases, long deadlineNanos, long timeoutSeconds) throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true);
            return t;
        });
        long good = 0;
        long refused = 0;
        long i = 0;
        List<String> crashes = new ArrayList<>();
        List<String> hangs = new ArrayList<>();
        Path file = work.resolve("case.bin");
        try {
            for (; i < cases && (deadlineNanos <= 0 || System.nanoTime() < deadlineNanos); i++) {
                byte[] bytes = mutate(new Random(seed * 1_000_003L + i));
                Files.write(file, bytes);
                Future<BundleVerifier.Verified> f = pool.submit(() -> new BundleVerifier(LIMITS, null).verify(file));
                try {
                    f.get(timeoutSeconds, TimeUnit.SECONDS);
                    good++;
                } catch (TimeoutException e) {
                    f.cancel(true);
                    hangs.add("seed " + seed + " case " + i);
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable t = e.getCause();
                    if (t instanceof InstallerException ie && ie.exitCode() == ExitCodes.INVALID_INPUT
                            && !ie.getMessage().contains("\n") && !ie.getMessage().contains("\r")) {
                        refused++;
                    } else {
                        crashes.add("seed " + seed + " case " + i + ": " + t);
                        Files.write(work.resolve("crash-" + seed + "-" + i + ".bin"), bytes);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return new Result(i, good, refused, crashes, hangs);
    }

    byte[] mutate(Random r) throws Exception {
        byte[] b = r.nextInt(8) == 0 ? gzipped.clone() : plain.clone();
        int ops = 1 + r.nextInt(3);
        for (int k = 0; k < ops; k++) {
            b = switch (r.nextInt(9)) {
                case 0 -> flip(b, r);
                case 1 -> insert(b, r);
                case 2 -> delete(b, r);
                case 3, 4 -> b == gzipped || b.length != plain.length ? flip(b, r) : headerField(b, r);
                case 5 -> java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
                case 6 -> reorder(r);
                case 7 -> json(r);
                default -> append(b, r);
            };
        }
        return b;
    }

    private static byte[] flip(byte[] b, Random r) {
        if (b.length == 0) {
            return b;
        }
        for (int n = 1 + r.nextInt(8); n > 0; n--) {
            int at = r.nextInt(b.length);
            b[at] ^= (byte) (1 << r.nextInt(8));
        }
        return b;
    }

    private static byte[] insert(byte[] b, Random r) {
        int at = r.nextInt(b.length + 1);
        byte[] junk = new byte[1 + r.nextInt(r.nextBoolean() ? 8 : 1024)];
        r.nextBytes(junk);
        byte[] out = new byte[b.length + junk.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(junk, 0, out, at, junk.length);
        System.arraycopy(b, at, out, at + junk.length, b.length - at);
        return out;
    }

    private static byte[] delete(byte[] b, Random r) {
        if (b.length == 0) {
            return b;
        }
        int at = r.nextInt(b.length);
        int n = Math.min(b.length - at, 1 + r.nextInt(r.nextBoolean() ? 8 : 2048));
        byte[] out = new byte[b.length - n];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + n, out, at, b.length - at - n);
        return out;
    }

    private static byte[] append(byte[] b, Random r) {
        byte[] tail = new byte[1 + r.nextInt(4096)];
        if (r.nextBoolean()) {
            r.nextBytes(tail);
        }
        return CanonicalParseTest.concat(b, tail);
    }

    private static final int[][] FIELDS = { { 0, 100 }, { 100, 8 }, { 124, 12 }, { 148, 8 }, { 156, 1 }, { 157, 100 },
            { 257, 8 }, { 345, 155 } };
    private static final String TYPES = "0\0" + "123456789xgLKSDMNV";

    /** Rewrites one field of one header with something plausible or hostile; usually fixes the header checksum. */
    private byte[] headerField(byte[] b, Random r) {
        int h = headers.get(r.nextInt(headers.size()));
        int[] f = FIELDS[r.nextInt(FIELDS.length)];
        byte[] v = new byte[f[1]];
        switch (r.nextInt(5)) {
            case 0 -> r.nextBytes(v);
            case 1 -> {
                String octal = Long.toOctalString(r.nextLong() >>> r.nextInt(64));
                byte[] s = octal.getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(s, 0, v, 0, Math.min(s.length, v.length));
            }
            case 2 -> {
                v[0] = (byte) 0x80;
                for (int i = 1; i < v.length; i++) {
                    v[i] = (byte) r.nextInt(256);
                }
            }
            case 3 -> v[0] = (byte) TYPES.charAt(r.nextInt(TYPES.length()));
            default -> {
                byte[] s = ("../" + "a/".repeat(r.nextInt(60)) + "\n").getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(s, 0, v, 0, Math.min(s.length, v.length));
            }
        }
        System.arraycopy(v, 0, b, h + f[0], f[1]);
        return r.nextInt(4) == 0 ? b : TarFormatTest.fix(b, h);
    }

    private byte[] reorder(Random r) throws IOException {
        List<Raw> e = copy();
        if (r.nextBoolean()) {
            Collections.swap(e, r.nextInt(e.size()), r.nextInt(e.size()));
        } else {
            e.add(r.nextInt(e.size()), e.remove(r.nextInt(e.size())));
        }
        return write(e);
    }

    /** Edits a JSON document (bundle.json, index.json or a blob) and reseals, so the parser and validator see it. */
    private byte[] json(Random r) throws IOException {
        List<Raw> e = copy();
        List<Raw> docs = e.stream().filter(x -> x.data.length > 0 && x.data[0] == '{').toList();
        Raw d = docs.get(r.nextInt(docs.size()));
        String s = new String(d.data, StandardCharsets.UTF_8);
        String[] tokens = { "null", "\"\"", "-1", "1.9", "\"1\"", "{}", "[]", "\"../../x\"", "\"a\\nb\"", "9223372036854775808",
                "\"sha256:" + "0".repeat(64) + "\"", "\"application/vnd.oci.image.index.v1+json\"", ",\"x\":1", "}", "\"\uFEFF\"" };
        int at = r.nextInt(s.length());
        int cut = Math.min(s.length(), at + r.nextInt(12));
        s = s.substring(0, at) + tokens[r.nextInt(tokens.length)] + s.substring(cut);
        d.data = s.getBytes(StandardCharsets.UTF_8);
        if (r.nextInt(4) != 0) {
            try {
                HostileBundlesTest.reseal(e, forge.keys);
            } catch (IOException | RuntimeException unparseableManifest) {
                // bundle.json itself was broken: the bundle goes out unsealed, as mutated.
            }
        }
        return write(e);
    }

    private List<Raw> copy() {
        List<Raw> out = new ArrayList<>();
        for (Raw x : entries) {
            out.add(new Raw(x.name, x.data.clone(), x.type, x.link, x.mode));
        }
        return out;
    }

    private byte[] write(List<Raw> e) throws IOException {
        Path out = work.resolve("entries.tar");
        HostileBundlesTest.writeTo(out, e);
        return Files.readAllBytes(out);
    }

    private static List<Integer> headerOffsets(byte[] b) {
        List<Integer> out = new ArrayList<>();
        int off = 0;
        while (off + 512 <= b.length && !TarHeader.isZero(java.util.Arrays.copyOfRange(b, off, off + 512))) {
            out.add(off);
            long size = Long.parseLong(new String(b, off + 124, 11, StandardCharsets.US_ASCII).trim(), 8);
            off += 512 + (int) ((size + 511) / 512 * 512);
        }
        return out;
    }

    private static byte[] gz(byte[] b) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bos)) {
            out.write(b);
        }
        return bos.toByteArray();
    }

    /** {@code BundleFuzzer [SEED] [SECONDS] [TIMEOUT_SECONDS]}: a campaign; prints the figures, exits 1 on a crash or hang. */
    public static void main(String[] args) throws Exception {
        long seed = args.length > 0 ? Long.parseLong(args[0]) : 1;
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 60;
        long timeout = args.length > 2 ? Long.parseLong(args[2]) : 10;
        Path work = Files.createTempDirectory("fuzz-bundle-");
        long start = System.nanoTime();
        Result r = new BundleFuzzer(work, seed).run(Long.MAX_VALUE, start + seconds * 1_000_000_000L, timeout);
        double took = (System.nanoTime() - start) / 1e9;
        System.out.printf("seed %d, %.0f s: %s (%.0f cases/s)%n", seed, took, r, r.cases() / took);
        r.crashes().forEach(c -> System.out.println("CRASH " + c));
        r.hangs().forEach(h -> System.out.println("HANG " + h));
        System.out.println("work dir (crash inputs): " + work);
        System.exit(r.crashes().isEmpty() && r.hangs().isEmpty() ? 0 : 1);
    }
}
