package io.infometis.installer.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Every field of bundle.json against its grammar (issue 12, class 1): each hostile value is refused by verify and by
 * the extractor with exit 2, one line naming the field, and nothing written — before any phase could act on it.
 * Checksums and signature are resealed, so the field check is the only thing that can refuse.
 */
class HostileManifestFieldsTest {
    @TempDir
    static Path tmp;
    static Forge forge;

    @BeforeAll
    static void forge() throws Exception {
        forge = new Forge(tmp);
    }

    static Forge.Case field(String name, Consumer<ObjectNode> edit, String defect) {
        return new Forge.Case(name, f -> f.manifest(edit), BundleEntries.MANIFEST, defect);
    }

    static ObjectNode volume(ObjectNode m) {
        return (ObjectNode) m.withArray("volumes").get(0);
    }

    static ObjectNode image(ObjectNode m) {
        return (ObjectNode) m.withArray("images").get(0);
    }

    static List<Forge.Case> cases() {
        return List.of(
                field("volume component with ..", m -> volume(m).put("component", "../../../etc"), "volumes[0].component '../../../etc' is not a DNS-1123"),
                field("volume component with /", m -> volume(m).put("component", "a/b"), "volumes[0].component"),
                field("volume name with a newline", m -> volume(m).put("name", "data\nR /"), "volumes[0].name 'data\\nR /'"),
                field("empty volume name", m -> volume(m).put("name", ""), "volumes[0].name '' is not"),
                field("mode 07777", m -> volume(m).put("mode", "07777"), "volumes[0].mode '07777' is not an octal mode"),
                field("mode -1", m -> volume(m).put("mode", "-1"), "volumes[0].mode '-1'"),
                field("mode abc", m -> volume(m).put("mode", "abc"), "volumes[0].mode 'abc'"),
                field("mode as a number", m -> volume(m).put("mode", 488), "volumes[0].mode is a number, not a string"),
                field("uid -1", m -> volume(m).put("uid", -1), "volumes[0].uid -1 is outside 0..2147483647"),
                field("gid -1", m -> volume(m).put("gid", -1), "volumes[0].gid -1 is outside"),
                field("uid 2^31", m -> volume(m).put("uid", 1L << 31), "volumes[0].uid 2147483648 is outside"),
                field("uid as a string", m -> volume(m).put("uid", "1000"), "volumes[0].uid is a string, not a whole number"),
                field("uid 1.5", m -> volume(m).put("uid", 1.5), "volumes[0].uid is the number '1.5'"),
                field("size lots", m -> volume(m).put("size", "lots"), "volumes[0].size 'lots' is not a positive Kubernetes quantity"),
                field("size zero", m -> volume(m).put("size", "0"), "volumes[0].size '0'"),
                field("size negative", m -> volume(m).put("size", "-1Gi"), "volumes[0].size '-1Gi'"),
                field("claim with upper case", m -> volume(m).put("claim", "Demo"), "volumes[0].claim 'Demo'"),
                field("volume without a claim", m -> volume(m).remove("claim"), "volumes[0] lacks the key 'claim'"),
                field("duplicate volume", m -> m.withArray("volumes").add(volume(m).deepCopy().put("claim", "other")),
                        "volumes[1] component/name 'demo/data' appears twice"),
                field("duplicate claim", m -> m.withArray("volumes").add(volume(m).deepCopy().put("name", "logs")),
                        "volumes[1].claim claim 'demo-data' appears twice"),
                field("ref with a space", m -> image(m).put("ref", "docker.io/a/b:1 evil"), "images[0].ref 'docker.io/a/b:1 evil' is not a fully qualified"),
                field("ref with a newline", m -> image(m).put("ref", "docker.io/a/b:1\ndocker.io/c/d:2"), "images[0].ref 'docker.io/a/b:1\\ndocker.io/c/d:2'"),
                field("ref with a leading -", m -> image(m).put("ref", "-docker.io/a/b:1"), "images[0].ref '-docker.io/a/b:1'"),
                field("null ref", m -> image(m).putNull("ref"), "images[0].ref is null"),
                field("short ref", m -> image(m).put("ref", "busybox:1.35"), "images[0].ref 'busybox:1.35'"),
                field("ref without tag or digest", m -> image(m).put("ref", "docker.io/library/busybox"), "images[0].ref"),
                field("same ref twice with two digests", m -> m.withArray("images").add(image(m).deepCopy().put("digest", "sha256:" + "1".repeat(64))),
                        "images[1].ref ref '" + io.infometis.installer.testing.TestBundles.TINY_REF + "' appears twice"),
                field("digest not sha256", m -> image(m).put("digest", "md5:abc"), "images[0].digest 'md5:abc'"),
                field("image media type of a layer", m -> image(m).put("mediaType", "application/vnd.oci.image.layer.v1.tar"), "images[0].mediaType"),
                field("group other", m -> image(m).put("group", "other"), "images[0].group 'other' is not \"k0s\" or \"stack\""),
                field("platform without arch", m -> m.put("platform", "linux"), "platform 'linux' is not os/arch"),
                field("k0s version latest", m -> ((ObjectNode) m.get("k0s")).put("version", "latest"), "k0s.version 'latest'"),
                field("k0s path escaping", m -> ((ObjectNode) m.get("k0s")).put("path", "k0s/../../etc/passwd"), "k0s.path"),
                field("k0s sha256 short", m -> ((ObjectNode) m.get("k0s")).put("sha256", "abc"), "k0s.sha256 'abc'"),
                field("component name with _", m -> ((ObjectNode) m.withArray("components").get(0)).put("name", "bad_name"), "components[0].name"),
                field("component manifest outside manifests/", m -> ((ArrayNode) m.withArray("components").get(0).get("manifests")).set(0,
                        m.textNode("k0s/k0s")), "components[0].manifests[0] 'k0s/k0s'"),
                field("duplicate component", m -> m.withArray("components").add(m.withArray("components").get(0).deepCopy()),
                        "components[1].name name 'demo' appears twice"),
                field("created not a time", m -> m.put("created", "yesterday"), "created 'yesterday'"),
                field("name with a newline", m -> m.put("name", "x\ny"), "name 'x\\ny'"),
                field("volumes null", m -> m.putNull("volumes"), "volumes is null"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refuses(Forge.Case c) throws Exception {
        forge.assertRefused(c);
    }

    @Test
    void acceptsTheGroupsK0sAndStack() throws Exception {
        for (String group : List.of("k0s", "stack")) {
            Path ok = forge.manifest(m -> image(m).put("group", group));
            assertEquals(1, forge.assertGood(ok).manifest().images().size());
        }
    }

    @Test
    void acceptsQuantitiesInEveryForm() throws Exception {
        for (String size : List.of("1Mi", "1048576", "1.5Gi", "2e9", "10G", "500M", "1k")) {
            Path ok = forge.manifest(m -> volume(m).put("size", size));
            assertEquals(size, forge.assertGood(ok).manifest().volumes().get(0).size());
        }
    }
}
