package io.infometis.installer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.infometis.installer.ExitCodes;
import io.infometis.installer.install.InstallLock;
import io.infometis.installer.install.LockFiles;
import io.infometis.installer.testing.TestBundles;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;

/**
 * Every bad value on the command line, through the real entry point: exit 2 (or the named code) and exactly one
 * line on stderr, {@code ERROR: what — next step}, with no stack trace and nothing of Java's internals.
 */
@QuarkusMainTest
class BadInputTest {
    @TempDir
    Path tmp;

    /** Exit {@code code}, and stderr is one {@code ERROR: … — …} line containing every one of {@code says}. */
    private static String assertOneLine(LaunchResult r, int code, String... says) {
        List<String> lines = r.getErrorStream().stream().filter(l -> !l.isBlank()).toList();
        String all = String.join("\n", lines);
        assertEquals(code, r.exitCode(), all + r.getOutput());
        assertEquals(1, lines.size(), "one line: " + all);
        String line = lines.get(0);
        assertTrue(line.startsWith("ERROR: ") && line.contains(" — "), line);
        for (String s : says) {
            assertTrue(line.contains(s), "'" + s + "' in: " + line);
        }
        for (String internal : List.of("Exception", "com.fasterxml", "io.infometis.", "\tat ", "Cannot construct")) {
            assertFalse(line.contains(internal), "no Java internals: " + line);
        }
        return line;
    }

    private Path root() throws Exception {
        return Files.createDirectories(tmp.resolve("root"));
    }

    private LaunchResult install(QuarkusMainLauncher l, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("install", "--root", root().toString(), "--linger", "0"));
        args.addAll(Arrays.asList(extra));
        if (!args.contains("--api-port")) {
            args.addAll(List.of("--api-port", "0"));
        }
        return l.launch(args.toArray(String[]::new));
    }

    @Test
    void dashVAndDashDashVersionPrintTheVersion(QuarkusMainLauncher l) {
        for (String[] args : List.of(new String[] { "-V" }, new String[] { "--version" }, new String[] { "install", "-V" })) {
            LaunchResult r = l.launch(args);
            assertEquals(0, r.exitCode(), r.getErrorOutput());
            assertTrue(r.getOutput().strip().matches("infometis \\S+"), String.join(" ", args) + ": '" + r.getOutput() + "'");
        }
    }

    @Test
    void aBadApiBindIsOneLineBeforeQuarkusBinds(QuarkusMainLauncher l) throws Exception {
        assertOneLine(install(l, "--dry-run", "--api-bind", "no-such-host.invalid"), ExitCodes.INVALID_INPUT, "--api-bind no-such-host.invalid");
        // TEST-NET-3 (RFC 5737): never an address of this host, with port 0 as well as a fixed port.
        assertOneLine(install(l, "--dry-run", "--api-bind", "203.0.113.7"), ExitCodes.INVALID_INPUT, "not an address of this host");
        assertOneLine(install(l, "--dry-run", "--api-bind", "203.0.113.7", "--api-port", "19099"), ExitCodes.INVALID_INPUT,
                "not an address of this host");
        assertOneLine(install(l, "--dry-run", "--api-bind", ""), ExitCodes.INVALID_INPUT, "--api-bind '' is not an address");
        assertOneLine(install(l, "--dry-run", "--api-bind", "1.2.3.4 5"), ExitCodes.INVALID_INPUT, "is not an address");
    }

    @Test
    void zeroNegativeOrGarbageDurationsAreRefused(QuarkusMainLauncher l) throws Exception {
        assertOneLine(install(l, "--dry-run", "--phase-timeout", "0s"), ExitCodes.INVALID_INPUT, "--phase-timeout", "more than 0");
        assertOneLine(install(l, "--dry-run", "--phase-timeout", "0"), ExitCodes.INVALID_INPUT, "--phase-timeout");
        // A zero wait would fail every component at once and roll back a healthy upgrade.
        assertOneLine(l.launch("upgrade", "--root", root().toString(), "--bundle", "b.tar", "--component-timeout", "0s"),
                ExitCodes.INVALID_INPUT, "--component-timeout", "more than 0");
        assertOneLine(l.launch("rollback", "--root", root().toString(), "--component-timeout", "0s"),
                ExitCodes.INVALID_INPUT, "--component-timeout", "more than 0");
        for (String bad : List.of("-5s", "soon", "99999999999999999999h", "5 s", "1.5m")) {
            assertOneLine(install(l, "--dry-run", "--phase-timeout", bad), ExitCodes.INVALID_INPUT, "--phase-timeout", "not a duration");
            assertOneLine(install(l, "--dry-run", "--linger", bad), ExitCodes.INVALID_INPUT, "--linger");
        }
        assertOneLine(l.launch("status", "--url", "http://127.0.0.1:1", "--timeout", "-1s"), ExitCodes.INVALID_INPUT, "--timeout");
    }

    @Test
    void aBundleThatIsADirectoryADeviceOrMissingIsNamedForWhatItIs(QuarkusMainLauncher l) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("bundles"));
        assertOneLine(install(l, "--bundle", dir.toString()), ExitCodes.INVALID_INPUT, "--bundle " + dir + " is a directory");
        assertOneLine(install(l, "--bundle", "/dev/zero"), ExitCodes.INVALID_INPUT, "not a regular file");
        assertOneLine(install(l, "--bundle", dir.resolve("nope.tar").toString()), ExitCodes.INVALID_INPUT, "not found");
        assertOneLine(l.launch("bundle", "verify", dir.toString()), ExitCodes.INVALID_INPUT, "is a directory");
        assertOneLine(l.launch("bundle", "inspect", "/dev/zero"), ExitCodes.INVALID_INPUT, "not a regular file");
        assertEquals(List.of(), TestBundles.filesUnder(root()), "refused before the lock: nothing under the root");
    }

    @Test
    void aTextFileIsNotABundleNotAnEmptyArchive(QuarkusMainLauncher l) throws Exception {
        Path shortText = Files.writeString(tmp.resolve("notes.txt"), "hello, I am a text file\n");
        Path longText = Files.writeString(tmp.resolve("long.txt"), "lorem ipsum dolor sit amet\n".repeat(200));
        for (Path text : List.of(shortText, longText)) {
            assertOneLine(l.launch("bundle", "verify", text.toString()), ExitCodes.INVALID_INPUT, "not a bundle (not a tar archive)");
            assertOneLine(l.launch("bundle", "inspect", text.toString()), ExitCodes.INVALID_INPUT, "not a bundle (not a tar archive)");
            assertOneLine(install(l, "--bundle", text.toString()), ExitCodes.INVALID_INPUT, "not a bundle (not a tar archive)");
        }
        Path gzText = tmp.resolve("notes.tar.gz");
        try (var out = new GZIPOutputStream(Files.newOutputStream(gzText))) {
            out.write("just text, gzip'd\n".repeat(100).getBytes(StandardCharsets.UTF_8));
        }
        assertOneLine(l.launch("bundle", "verify", gzText.toString()), ExitCodes.INVALID_INPUT, "not a tar archive inside the gzip");
    }

    @Test
    void aCorruptGzipHeaderIsOneLine(QuarkusMainLauncher l) throws Exception {
        Path bundle = TestBundles.tiny(tmp.resolve("b"));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (var out = new GZIPOutputStream(gz)) {
            out.write(Files.readAllBytes(bundle));
        }
        byte[] bytes = gz.toByteArray();
        bytes[2] = 7; // compression method: only 8 (deflate) exists
        Path badMethod = Files.write(tmp.resolve("bad-method.tar.gz"), bytes);
        Path truncated = Files.write(tmp.resolve("truncated.tar.gz"), Arrays.copyOf(gz.toByteArray(), 6));
        byte[] badBody = gz.toByteArray();
        Arrays.fill(badBody, 10, 40, (byte) 0xff);
        Path corruptBody = Files.write(tmp.resolve("corrupt-body.tar.gz"), badBody);
        for (Path f : List.of(badMethod, truncated, corruptBody)) {
            assertOneLine(l.launch("bundle", "verify", f.toString()), ExitCodes.INVALID_INPUT, "bundle entry (gzip stream): ");
            assertOneLine(install(l, "--bundle", f.toString()), ExitCodes.INVALID_INPUT, "bundle entry");
        }
    }

    @Test
    void aPublicKeyThatIsADeviceOrHugeIsRefusedBeforeItIsRead(QuarkusMainLauncher l) throws Exception {
        Path bundle = TestBundles.tiny(tmp.resolve("b"));
        assertOneLine(l.launch("bundle", "verify", bundle.toString(), "--public-key", "/dev/zero"), ExitCodes.INVALID_INPUT,
                "--public-key /dev/zero is not a regular file");
        assertOneLine(install(l, "--bundle", bundle.toString(), "--public-key", "/dev/zero"), ExitCodes.INVALID_INPUT,
                "/dev/zero is not a regular file");
        Path huge = tmp.resolve("huge.pub");
        try (var ch = java.nio.channels.FileChannel.open(huge, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] { 'x' }), 3L << 30); // 3 GiB, sparse
        }
        assertOneLine(l.launch("bundle", "verify", bundle.toString(), "--public-key", huge.toString()), ExitCodes.INVALID_INPUT,
                "more than 16384");
        assertOneLine(install(l, "--dry-run", "--api-token-file", "/dev/zero"), ExitCodes.INVALID_INPUT, "--api-token-file /dev/zero");
        assertOneLine(l.launch("status", "--url", "http://127.0.0.1:1", "--token-file", huge.toString()), ExitCodes.INVALID_INPUT,
                "--token-file");
    }

    @Test
    void aTextFileAsSpecNamesTheFileAndTheYamlProblem(QuarkusMainLauncher l) throws Exception {
        Path text = Files.writeString(tmp.resolve("readme.txt"), "This is not a spec.\n");
        assertOneLine(install(l, "--dry-run", "--spec", text.toString()), ExitCodes.INVALID_INPUT,
                "bundle spec " + text, "is not a YAML mapping of the spec's keys");
        Path typo = Files.writeString(tmp.resolve("typo.yaml"), "name: x\nversion: 1\nimagez: []\n");
        assertOneLine(install(l, "--dry-run", "--spec", typo.toString()), ExitCodes.INVALID_INPUT, "typo.yaml", "unknown key 'imagez'");
        Path broken = Files.writeString(tmp.resolve("broken.yaml"), "name: 'unclosed\n");
        assertOneLine(install(l, "--dry-run", "--spec", broken.toString()), ExitCodes.INVALID_INPUT, "broken.yaml", "not valid YAML");
        assertOneLine(install(l, "--dry-run", "--spec", tmp.resolve("none.yaml").toString()), ExitCodes.INVALID_INPUT,
                "--spec " + tmp.resolve("none.yaml") + " not found");
        assertOneLine(install(l, "--dry-run", "--spec", "/dev/zero"), ExitCodes.INVALID_INPUT, "not a regular file");
        assertOneLine(l.launch("bundle", "build", "--spec", text.toString(), "--out", tmp.resolve("o.tar").toString()),
                ExitCodes.INVALID_INPUT, "is not a YAML mapping of the spec's keys");
    }

    /** A 512-byte ustar header; {@code size} in base-256 when it does not fit 11 octal digits, as GNU tar writes it. */
    static byte[] tarHeader(String name, long size) {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, h, 0, n.length);
        System.arraycopy("0000644\0".getBytes(StandardCharsets.US_ASCII), 0, h, 100, 8);
        System.arraycopy("0000000\0".getBytes(StandardCharsets.US_ASCII), 0, h, 108, 8);
        System.arraycopy("0000000\0".getBytes(StandardCharsets.US_ASCII), 0, h, 116, 8);
        if (size < 077777777777L) {
            System.arraycopy(String.format("%011o\0", size).getBytes(StandardCharsets.US_ASCII), 0, h, 124, 12);
        } else {
            h[124] = (byte) 0x80;
            for (int i = 0; i < 8; i++) {
                h[135 - i] = (byte) (size >>> (8 * i));
            }
        }
        System.arraycopy("00000000000\0".getBytes(StandardCharsets.US_ASCII), 0, h, 136, 12);
        h[156] = '0';
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 6);
        h[263] = '0';
        h[264] = '0';
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        System.arraycopy(String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII), 0, h, 148, 8);
        return h;
    }

    @Test
    void anEntryOfSize2To63Minus1DoesNotWrapTheTotalSizeLimit(QuarkusMainLauncher l) throws Exception {
        // A real bundle.json first, so the only thing wrong is the second entry's size.
        byte[] json;
        try (var reader = new io.infometis.installer.bundle.BundleReader(TestBundles.tiny(tmp.resolve("b")),
                io.infometis.installer.bundle.BundleLimits.DEFAULT)) {
            json = reader.next().data().readAllBytes();
        }
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        tar.write(tarHeader("bundle.json", json.length));
        tar.write(Arrays.copyOf(json, (json.length + 511) / 512 * 512));
        tar.write(tarHeader("blobs/sha256/" + "0".repeat(64), Long.MAX_VALUE));
        tar.write(new byte[4096]);
        Path f = Files.write(tmp.resolve("huge-entry.tar"), tar.toByteArray());
        assertOneLine(l.launch("bundle", "inspect", f.toString()), ExitCodes.INVALID_INPUT,
                "bundle entry blobs/sha256/" + "0".repeat(64) + ": bundle larger than the limit");
        assertOneLine(l.launch("bundle", "verify", f.toString()), ExitCodes.INVALID_INPUT, "bundle larger than the limit");

        ByteArrayOutputStream two = new ByteArrayOutputStream();
        two.write(tarHeader("a", 1));
        two.write(new byte[512]);
        two.write(tarHeader("b", Long.MAX_VALUE));
        two.write(new byte[4096]);
        Path g = Files.write(tmp.resolve("wrap.tar"), two.toByteArray());
        var reader = new io.infometis.installer.bundle.BundleReader(g, io.infometis.installer.bundle.BundleLimits.DEFAULT);
        assertEquals("a", reader.next().name());
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.infometis.installer.bundle.BundleDefect.class, reader::next);
        assertTrue(e.getMessage().contains("larger than the limit"), e.getMessage());
        reader.close();
    }

    @Test
    void everyCommandsBadFlagValuesAreOneLine(QuarkusMainLauncher l) throws Exception {
        assertOneLine(install(l, "--dry-run", "--api-port", "80"), ExitCodes.INVALID_INPUT, "--api-port 80", "the install itself needs");
        assertOneLine(install(l, "--dry-run", "--api-port", "70000"), ExitCodes.INVALID_INPUT, "not a port number");
        assertOneLine(install(l, "--dry-run", "--api-port", "http"), ExitCodes.INVALID_INPUT, "--api-port");
        assertOneLine(install(l, "--dry-run", "--volumes-dir", "relative/dir"), ExitCodes.INVALID_INPUT, "--volumes-dir");
        assertOneLine(install(l, "--dry-run", "--volumes-dir", "/tmp/../etc"), ExitCodes.INVALID_INPUT, "--volumes-dir");
        assertOneLine(install(l, "--dry-run", "--k0s-binary", tmp.resolve("k0s").toString()), ExitCodes.INVALID_INPUT, "--k0s-binary");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertOneLine(install(l, "--dry-run", "--state-dir", file.toString()), ExitCodes.INVALID_INPUT, "--state-dir");
        assertOneLine(install(l, "--dry-run", "--until", "nope"), ExitCodes.INVALID_INPUT, "unknown phase 'nope'");
        assertOneLine(l.launch("uninstall", "--root", root().toString(), "--volumes-dir", "x", "--dry-run"), ExitCodes.INVALID_INPUT,
                "--volumes-dir");
        assertOneLine(l.launch("status", "--url", "ftp://host/"), ExitCodes.INVALID_INPUT, "not an http(s) URL");
        assertOneLine(l.launch("status", "--url", "http://"), ExitCodes.INVALID_INPUT, "--url");
        assertOneLine(l.launch("status", "--url", "http://x", "--output", "xml"), ExitCodes.INVALID_INPUT, "--output xml");
        assertOneLine(l.launch("bundle", "build", "--out", tmp.resolve("o.tar").toString(), "--jobs", "0"), ExitCodes.INVALID_INPUT, "--jobs 0");
        assertOneLine(l.launch("bundle", "build", "--out", tmp.resolve("o.tar").toString(), "--platform", "amd64"),
                ExitCodes.INVALID_INPUT, "--platform amd64");
        assertOneLine(l.launch("bundle", "build", "--out", tmp.toString()), ExitCodes.INVALID_INPUT, "is a directory");
        assertOneLine(l.launch("bundle", "inspect", file.toString(), "--output", "yaml"), ExitCodes.INVALID_INPUT, "--output yaml");
        assertOneLine(l.launch("bundle"), ExitCodes.INVALID_INPUT);
        assertOneLine(l.launch("iso"), ExitCodes.INVALID_INPUT);
    }

    @Test
    void keygenRefusesAMissingParentDirectoryWithOneLine(QuarkusMainLauncher l) throws Exception {
        Path prefix = tmp.resolve("no/such/dir/k");
        assertOneLine(l.launch("bundle", "keygen", "--out", prefix.toString()), ExitCodes.INVALID_INPUT,
                "directory " + tmp.resolve("no/such/dir") + " does not exist", "mkdir -p");
        assertFalse(Files.exists(tmp.resolve("no")), "nothing created");
        assertOneLine(l.launch("bundle", "keygen", "--out", tmp.toString()), ExitCodes.INVALID_INPUT, "is a directory");
    }

    @Test
    void isoBuildRefusesAFileThatIsNotABundle(QuarkusMainLauncher l) throws Exception {
        Path text = Files.writeString(tmp.resolve("notes.txt"), "not a bundle\n");
        Path work = tmp.resolve("work");
        assertOneLine(l.launch("iso", "build", "--bundle", text.toString(), "--out", tmp.resolve("x.iso").toString(),
                "--work-dir", work.toString()), ExitCodes.INVALID_INPUT, "not a bundle (not a tar archive)");
        assertOneLine(l.launch("iso", "build", "--bundle", tmp.toString(), "--out", tmp.resolve("x.iso").toString(),
                "--work-dir", work.toString()), ExitCodes.INVALID_INPUT, "is a directory");
        Path bundle = TestBundles.tiny(tmp.resolve("b"));
        assertOneLine(l.launch("iso", "build", "--bundle", bundle.toString(), "--out", tmp.resolve("x.iso").toString(),
                "--work-dir", work.toString(), "--kernel-args", "quiet\ninit=/bin/sh"), ExitCodes.INVALID_INPUT, "--kernel-args");
        assertFalse(Files.exists(work), "refused before any work");
        assertFalse(Files.exists(tmp.resolve("x.iso")));
    }

    @Test
    void aTakenApiPortAndASecondInstallerAreOneLineEach(QuarkusMainLauncher l) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            assertOneLine(install(l, "--dry-run", "--api-bind", "127.0.0.1", "--api-port", Integer.toString(port)),
                    ExitCodes.INVALID_INPUT, "port " + port, "in use");
            // upgrade and rollback serve the same API, so they are refused the same way before anything starts.
            Path bundle = TestBundles.tiny(tmp.resolve("b-port"));
            assertOneLine(l.launch("upgrade", "--root", root().toString(), "--bundle", bundle.toString(), "--api-bind",
                    "127.0.0.1", "--api-port", Integer.toString(port)), ExitCodes.INVALID_INPUT, "port " + port, "in use");
            assertOneLine(l.launch("rollback", "--root", root().toString(), "--api-bind", "127.0.0.1", "--api-port",
                    Integer.toString(port)), ExitCodes.INVALID_INPUT, "port " + port, "in use");
        }
        try (InstallLock held = InstallLock.acquire(LockFiles.lockFile(root(), false))) {
            Path bundle = TestBundles.tiny(tmp.resolve("b"));
            assertOneLine(install(l, "--bundle", bundle.toString()), ExitCodes.LOCKED,
                    "another installer is running (pid " + ProcessHandle.current().pid());
            assertOneLine(l.launch("upgrade", "--root", root().toString(), "--bundle", bundle.toString(),
                    "--api-port", "0"), ExitCodes.LOCKED, "another installer is running (pid " + ProcessHandle.current().pid());
        }
    }

    /** A small tmpfs, filled to the last byte: ENOSPC is real (needs root to mount; skipped otherwise). */
    static Path fullDisk(Path dir) throws Exception {
        Files.createDirectories(dir);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(mount.waitFor() == 0, "mounting a tmpfs needs root");
        try (var out = Files.newOutputStream(dir.resolve("filler"))) {
            byte[] block = new byte[4096];
            while (true) {
                out.write(block);
            }
        } catch (java.io.IOException full) {
            assertTrue(io.infometis.installer.NoSpace.is(full), full.toString());
        }
        return dir;
    }

    static void unmount(Path dir) throws Exception {
        new ProcessBuilder("umount", dir.toString()).start().waitFor();
    }

    @Test
    void aFullDiskUnderTheJournalIsOneLineNamingThePathAndFreeSpace(QuarkusMainLauncher l) throws Exception {
        Path state = fullDisk(tmp.resolve("state"));
        try {
            // A token of our own: the generated one would be saved to the state dir before the journal is written.
            Path token = Files.writeString(tmp.resolve("token"), "t0ken\n");
            LaunchResult r = install(l, "--bundle", TestBundles.tiny(tmp.resolve("b")).toString(), "--state-dir", state.toString(),
                    "--until", "preflight", "--ignore-preflight", "ports", "--api-token-file", token.toString());
            assertOneLine(r, ExitCodes.NO_SPACE, "writing journal " + state.resolve("journal.json"), "no space left",
                    "free space in " + state);
        } finally {
            unmount(state);
        }
    }
}
