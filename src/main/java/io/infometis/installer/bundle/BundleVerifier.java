package io.infometis.installer.bundle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;


/**
 * Checks a bundle file in one streaming pass: bundle.json (format version), the signature when a key is given,
 * checksums.txt against bundle.json's aggregate, every file against checksums.txt, and then the OCI layout's
 * consistency and bundle.json's claims. Stops at the first defect with a {@link BundleDefect}. With a
 * {@link Sink} it also hands each verified byte to the extractor, so install reads the file once.
 */
public final class BundleVerifier {
    private final BundleLimits limits;
    private final PublicKey publicKey;

    /** Receives every regular file while it is verified; the verifier never trusts it before the pass ends. */
    public interface Sink {
        OutputStream open(String name, long size, int mode) throws IOException;
    }

    /** What a good bundle is: its manifest and the bytes that identify it. */
    public record Verified(BundleManifest manifest, byte[] manifestBytes, String manifestSha256, boolean signed,
            Map<String, Long> blobSizes, long totalBytes) {
    }

    public BundleVerifier(BundleLimits limits, PublicKey publicKey) {
        this.limits = limits;
        this.publicKey = publicKey;
    }

    public Verified verify(Path file) throws IOException {
        return verify(file, null);
    }

    public Verified verify(Path file, Sink sink) throws IOException {
        try (BundleReader reader = new BundleReader(file, limits)) {
            BundleReader.Entry first = reader.next();
            if (first == null || !first.name().equals(BundleEntries.MANIFEST)) {
                throw new BundleDefect(first == null ? "(empty archive)" : first.name(),
                        "the first entry must be bundle.json");
            }
            byte[] manifestBytes = small(first);
            BundleManifest manifest = parseManifest(manifestBytes);
            sinkBytes(sink, first, manifestBytes);

            BundleReader.Entry next = reader.next();
            byte[] sig = checkSignature(next, manifestBytes);
            boolean signed = sig != null && publicKey != null;
            if (sig != null) {
                sinkBytes(sink, next, sig);
                next = reader.next();
            }
            if (next == null || !next.name().equals(BundleEntries.CHECKSUMS)) {
                throw new BundleDefect(next == null ? "(end of archive)" : next.name(),
                        "checksums.txt must follow bundle.json (and its signature)");
            }
            byte[] checksumBytes = small(next);
            if (!Digests.sha256(checksumBytes).equals(manifest.checksumsSha256())) {
                throw new BundleDefect(BundleEntries.CHECKSUMS, "sha256 differs from bundle.json's checksumsSha256 (bad aggregate)");
            }
            Checksums checksums = Checksums.parse(checksumBytes);
            sinkBytes(sink, next, checksumBytes);

            Map<String, byte[]> documents = new HashMap<>();
            Map<String, byte[]> heads = new HashMap<>();
            Map<String, Long> blobSizes = new LinkedHashMap<>();
            long kept = 0;
            long total = manifestBytes.length + checksumBytes.length;
            byte[] buf = new byte[1 << 20];
            int seen = 0;
            for (BundleReader.Entry e; (e = reader.next()) != null;) {
                String expected = checksums.byPath().get(e.name());
                if (expected == null) {
                    throw new BundleDefect(e.name(), "not listed in checksums.txt");
                }
                boolean isBlob = e.name().startsWith(BundleEntries.BLOBS);
                if (isBlob && !e.name().substring(BundleEntries.BLOBS.length()).equals(expected)) {
                    throw new BundleDefect(e.name(), "blob content listed with a sha256 other than its name");
                }
                boolean layoutFile = e.name().equals(BundleEntries.OCI_INDEX) || e.name().equals(BundleEntries.OCI_LAYOUT);
                // Indexes, manifests and configs are small JSON documents; keep them to check the layout after the
                // pass. Layers (binary, not starting with '{') are only hashed, so they never use up the budget.
                boolean keep = e.size() <= (4 << 20) && kept + e.size() <= limits.maxMetadataBytes() && (isBlob || layoutFile);
                MessageDigest md = Digests.sha256();
                ByteArrayOutputStream copy = keep ? new ByteArrayOutputStream((int) e.size()) : null;
                byte[] head = new byte[4];
                int headLen = 0;
                try (OutputStream out = sink == null ? null : sink.open(e.name(), e.size(), e.mode())) {
                    InputStream in = e.data();
                    for (int n; (n = in.read(buf)) > 0;) {
                        if (headLen == 0 && copy != null && !layoutFile && !looksLikeJson(buf, n)) {
                            copy = null;
                        }
                        int take = Math.min(n, head.length - headLen);
                        System.arraycopy(buf, 0, head, headLen, take);
                        headLen += take;
                        md.update(buf, 0, n);
                        if (copy != null) {
                            copy.write(buf, 0, n);
                        }
                        if (out != null) {
                            out.write(buf, 0, n);
                        }
                    }
                }
                if (!Digests.hex(md.digest()).equals(expected)) {
                    throw new BundleDefect(e.name(), "sha256 mismatch (content differs from checksums.txt)");
                }
                if (copy != null) {
                    documents.put(e.name(), copy.toByteArray());
                    kept += e.size();
                }
                if (isBlob) {
                    heads.put("sha256:" + expected, java.util.Arrays.copyOf(head, headLen));
                    blobSizes.put("sha256:" + expected, e.size());
                }
                total += e.size();
                seen++;
            }
            if (seen != checksums.byPath().size()) {
                for (String path : checksums.byPath().keySet()) {
                    if (!reader.sawFile(path)) {
                        throw new BundleDefect(path, "listed in checksums.txt but missing (truncated bundle?)");
                    }
                }
            }
            new LayoutCheck(manifest, checksums, documents, blobSizes, heads, limits.maxDepth()).run();
            return new Verified(manifest, manifestBytes, Digests.sha256(manifestBytes), signed, blobSizes, total);
        }
    }

    /**
     * The entry after bundle.json: when it is {@code bundle.json.sig}, its bytes, checked against the public key if
     * one was given; null when it is something else, which is a defect if a key was given.
     */
    byte[] checkSignature(BundleReader.Entry next, byte[] manifestBytes) throws IOException {
        if (next != null && next.name().equals(BundleEntries.SIGNATURE)) {
            byte[] sig = small(next);
            if (publicKey != null && !BundleSignature.verify(manifestBytes, sig, publicKey)) {
                throw new BundleDefect(BundleEntries.SIGNATURE, "signature does not match bundle.json and the public key");
            }
            return sig;
        }
        if (publicKey != null) {
            throw new BundleDefect(BundleEntries.SIGNATURE, "missing, but a public key was given");
        }
        return null;
    }

    /** bundle.json through the one canonical parse ({@link BundleJson#manifest}): every field validated. */
    public static BundleManifest parseManifest(byte[] bytes) {
        return BundleJson.manifest(bytes);
    }

    /** The first non-blank byte is '{': a JSON document (an index, manifest or config), not a layer. */
    private static boolean looksLikeJson(byte[] buf, int n) {
        for (int i = 0; i < n; i++) {
            if (buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\r' && buf[i] != '\t') {
                return buf[i] == '{';
            }
        }
        return false;
    }

    private byte[] small(BundleReader.Entry e) throws IOException {
        if (e.size() > limits.maxMetadataBytes()) {
            throw new BundleDefect(e.name(), "larger than the metadata limit of " + limits.maxMetadataBytes() + " bytes");
        }
        return e.data().readAllBytes();
    }

    private static void sinkBytes(Sink sink, BundleReader.Entry e, byte[] bytes) throws IOException {
        if (sink != null) {
            try (OutputStream out = sink.open(e.name(), bytes.length, e.mode())) {
                out.write(bytes);
            }
        }
    }
}
