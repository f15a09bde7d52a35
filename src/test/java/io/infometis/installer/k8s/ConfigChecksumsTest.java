package io.infometis.installer.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;

class ConfigChecksumsTest {
    static HasMetadata config(String name, String value) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().addToData("k", value).build();
    }

    static Deployment reader(String liveReload) {
        return new DeploymentBuilder().withNewMetadata().withName("app")
                .addToAnnotations(liveReload == null ? Map.of() : Map.of(ConfigChecksums.LIVE_RELOAD, liveReload))
                .endMetadata().withNewSpec().withNewTemplate().withNewMetadata().endMetadata().withNewSpec()
                .addNewContainer().withName("c").withImage("i").addNewEnvFrom().withNewSecretRef("creds", false).endEnvFrom()
                .addNewEnv().withName("X").withNewValueFrom().withNewConfigMapKeyRef("k", "env-config", false).endValueFrom()
                .endEnv().endContainer().addNewVolume().withName("v").withNewConfigMap().withName("files").endConfigMap()
                .endVolume().endSpec().endTemplate().endSpec().build();
    }

    static String checksum(List<HasMetadata> objects, Deployment d) {
        Deployment stamped = (Deployment) ConfigChecksums.stamp(List.of(d), ConfigChecksums.of(objects)).get(0);
        var a = stamped.getSpec().getTemplate().getMetadata().getAnnotations();
        return a == null ? null : a.get(ConfigChecksums.ANNOTATION);
    }

    @Test
    void theDigestCoversMountedEnvAndEnvFromConfigsAndSecrets() {
        HasMetadata secret = new SecretBuilder().withNewMetadata().withName("creds").endMetadata().addToStringData("p", "1").build();
        List<HasMetadata> base = List.of(config("files", "1"), config("env-config", "1"), secret, config("unrelated", "1"));
        String before = checksum(base, reader(null));
        assertEquals(before, checksum(List.of(config("files", "1"), config("env-config", "1"), secret, config("unrelated", "2")),
                reader(null)), "a config the pod does not read changes nothing");
        assertNotEquals(before, checksum(List.of(config("files", "2"), config("env-config", "1"), secret), reader(null)));
        assertNotEquals(before, checksum(List.of(config("files", "1"), config("env-config", "2"), secret), reader(null)));
        HasMetadata secret2 = new SecretBuilder().withNewMetadata().withName("creds").endMetadata().addToStringData("p", "2").build();
        assertNotEquals(before, checksum(List.of(config("files", "1"), config("env-config", "1"), secret2), reader(null)));
    }

    @Test
    void aLiveReloadedConfigStaysOutOfTheDigestAndTheManifestIsNotTouched() {
        Deployment d = reader("files,env-config");
        String one = checksum(List.of(config("files", "1"), config("env-config", "1")), d);
        assertNull(one, "nothing else read: no annotation at all");
        assertNull(d.getSpec().getTemplate().getMetadata().getAnnotations() == null ? null
                : d.getSpec().getTemplate().getMetadata().getAnnotations().get(ConfigChecksums.ANNOTATION));
        HasMetadata plain = config("x", "1");
        assertSame(plain, ConfigChecksums.stamp(List.of(plain), Map.of()).get(0));
    }
}
