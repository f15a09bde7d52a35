package io.infometis.installer.support;

import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * Takes secrets out of what a support bundle holds: values of settings whose name says password, secret, token,
 * key or credential, bearer tokens, and the same names in pods' environment. Secrets themselves are never
 * collected. Redaction is by name, so a secret in a setting named innocently is not caught: ConfigMaps are meant
 * to hold none (the stack keeps none there).
 */
public final class Redactor {
    static final String REDACTED = "<redacted>";
    private static final String SENSITIVE = "[\\w.-]*(?:password|passwd|secret|token|api[_.-]?key|private[_.-]?key"
            + "|credential|sensitive|jaas\\.config)[\\w.-]*";
    private static final Pattern SETTING = Pattern.compile("(?i)(" + SENSITIVE + "\"?\\s*[:=]\\s*)(\"[^\"]*\"|'[^']*'|\\S+)");
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]+");
    private static final Pattern NAME = Pattern.compile("(?i)" + SENSITIVE);

    private Redactor() {
    }

    public static String text(String s) {
        return BEARER.matcher(SETTING.matcher(s).replaceAll("$1" + REDACTED)).replaceAll("$1" + REDACTED);
    }

    /** The pod with every sensitive environment value replaced; the copy is what goes into the bundle. */
    public static Pod pod(Pod p) {
        if (p.getSpec() == null) {
            return p;
        }
        for (var list : java.util.List.of(p.getSpec().getContainers(), p.getSpec().getInitContainers())) {
            for (Container c : list) {
                for (EnvVar e : c.getEnv()) {
                    if (e.getValue() != null && (NAME.matcher(e.getName()).matches() || !text(e.getValue()).equals(e.getValue()))) {
                        e.setValue(REDACTED);
                    }
                }
            }
        }
        return p;
    }
}
