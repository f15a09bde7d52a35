package io.infometis.installer.testing;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * The fabric8 CRUD mock made as strict as kube-apiserver where the stack applier meets it:
 * <ul>
 * <li>a PUT whose {@code metadata.resourceVersion} is not the stored one is refused with 409 Conflict, with the
 * apiserver's message ("Operation cannot be fulfilled on ...: the object has been modified; ...");</li>
 * <li>a PUT that changes a field the apiserver's update validation forbids is refused with 422 Invalid, with the
 * message the apiserver writes (pkg/apis/apps/validation, core, storage, rbac, networking); the rule is the
 * apiserver's own, written independently of the installer's {@code ImmutableFields}: for a StatefulSet the
 * whole spec but the updatable fields is compared, as ValidateStatefulSetUpdate does;</li>
 * <li>a Service created without a cluster IP gets one allocated, as the apiserver's IP allocator does;</li>
 * <li>{@link #interfereAfterNextRead} plays a controller that writes an object right after the next GET of it
 * (between the installer's read and its PUT).</li>
 * </ul>
 * Not modelled: defaulting of unset fields, admission, PATCH validation, finalizers (a DELETE is immediate).
 */
public final class StrictApiServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STS_FORBIDDEN = "updates to statefulset spec for fields other than 'replicas', "
            + "'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' "
            + "and 'minReadySeconds' are forbidden";

    private final KubernetesMockServer server;
    private final Map<String, AtomicInteger> interfere = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger nextIp = new AtomicInteger(10);

    public StrictApiServer() {
        // One map for both: the server records expectations in it, the dispatcher answers from it.
        Map<io.fabric8.mockwebserver.ServerRequest, java.util.Queue<io.fabric8.mockwebserver.ServerResponse>> expectations =
                new HashMap<>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), expectations, new Strict(expectations), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
    }

    public KubernetesClient client() {
        return server.createClient();
    }

    /** The mock server, for expectations on paths the CRUD store does not serve (service proxies). */
    public KubernetesMockServer server() {
        return server;
    }

    /** "METHOD path" of every request, in order. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** After the next GET of this API path, another writer updates the object (its resourceVersion moves on). */
    public void interfereAfterNextRead(String path) {
        interfereAfterReads(path, 1);
    }

    /** The same after each of the next {@code reads} GETs: a writer that never stops. */
    public void interfereAfterReads(String path, int reads) {
        interfere.put(path, new AtomicInteger(reads));
    }

    private boolean interferes(String path) {
        AtomicInteger left = interfere.get(path);
        return left != null && left.getAndDecrement() > 0;
    }

    @Override
    public void close() {
        server.destroy();
    }

    private final class Strict extends KubernetesMixedDispatcher {
        Strict(Map<io.fabric8.mockwebserver.ServerRequest, java.util.Queue<io.fabric8.mockwebserver.ServerResponse>> r) {
            super(r);
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String path = request.getPath();
            requests.add(request.getMethod() + " " + path);
            try {
                if ("PUT".equals(request.getMethod())) {
                    // Reading a recorded body consumes it: read once, hand the CRUD store a fresh copy.
                    String body = request.getUtf8Body();
                    MockResponse refused = checkUpdate(path, request, body);
                    return refused != null ? refused : super.dispatch(withBody(request, body));
                } else if ("POST".equals(request.getMethod()) && path.matches(".*/namespaces/[^/]+/services(\\?.*)?")) {
                    return super.dispatch(withBody(request, allocateClusterIp(request.getUtf8Body())));
                }
                MockResponse response = super.dispatch(request);
                if ("GET".equals(request.getMethod()) && response.code() == 200 && interferes(path)) {
                    String body = response.getBody().readUtf8();
                    ObjectNode stored = (ObjectNode) JSON.readTree(body);
                    ((ObjectNode) stored.path("metadata")).withObject("/annotations").put("controller.example/writes", String.valueOf(nextIp.incrementAndGet()));
                    super.dispatch(put(path, stored));
                    response.setBody(body); // the reader got the object as it was before the other write
                }
                return response;
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private MockResponse checkUpdate(String path, RecordedRequest request, String body) throws java.io.IOException {
            String objectPath = path.endsWith("/status") ? path.substring(0, path.length() - "/status".length()) : path;
            MockResponse current = super.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.GET, objectPath,
                    request.getHeaders(), new Buffer()));
            if (current.code() != 200) {
                return null;
            }
            JsonNode old = JSON.readTree(current.getBody().readUtf8());
            JsonNode neu = JSON.readTree(body);
            String kind = old.path("kind").asText();
            String name = old.path("metadata").path("name").asText();
            String resource = objectPath.replaceAll(".*/([a-z]+)/[^/]+$", "$1");
            String sent = neu.path("metadata").path("resourceVersion").asText("");
            if (!sent.isEmpty() && !sent.equals(old.path("metadata").path("resourceVersion").asText())) {
                return status(409, "Conflict", "Operation cannot be fulfilled on " + resource + group(old) + " \"" + name
                        + "\": the object has been modified; please apply your changes to the latest version and try again",
                        name, resource);
            }
            if (path.endsWith("/status")) {
                return null;
            }
            String invalid = immutable(kind, old, neu);
            return invalid == null ? null : status(422, "Invalid", kind + group(old) + " \"" + name + "\" is invalid: "
                    + invalid, name, kind);
        }

        /** The apiserver's update validation for the kinds the stack ships, with its messages. */
        private String immutable(String kind, JsonNode old, JsonNode neu) {
            JsonNode o = old.path("spec");
            JsonNode n = neu.path("spec");
            switch (kind) {
                case "StatefulSet": {
                    ObjectNode a = o.deepCopy();
                    ObjectNode b = n.deepCopy();
                    for (String updatable : List.of("replicas", "ordinals", "template", "updateStrategy",
                            "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy", "minReadySeconds")) {
                        a.remove(updatable);
                        b.remove(updatable);
                    }
                    return a.equals(b) ? null : "spec: Forbidden: " + STS_FORBIDDEN;
                }
                case "Deployment":
                    return o.path("selector").equals(n.path("selector")) ? null : "spec.selector: Invalid value: "
                            + "v1.LabelSelector{MatchLabels:" + n.path("selector").path("matchLabels")
                            + "}: field is immutable";
                case "Service": {
                    String was = o.path("clusterIP").asText("");
                    String want = n.path("clusterIP").asText("");
                    return was.isEmpty() || want.isEmpty() || was.equals(want) ? null
                            : "spec.clusterIPs[0]: Invalid value: []string{\"" + want + "\"}: may not change once set";
                }
                case "StorageClass":
                    for (String f : List.of("parameters", "provisioner", "reclaimPolicy", "volumeBindingMode")) {
                        if (!Objects.equals(old.get(f), neu.get(f))) {
                            return f + ": Forbidden: updates to " + f + " are forbidden.";
                        }
                    }
                    return null;
                case "RoleBinding":
                case "ClusterRoleBinding":
                    return old.path("roleRef").equals(neu.path("roleRef")) ? null : "roleRef: Invalid value: "
                            + "rbac.RoleRef{APIGroup:\"" + neu.path("roleRef").path("apiGroup").asText() + "\", Kind:\""
                            + neu.path("roleRef").path("kind").asText() + "\", Name:\""
                            + neu.path("roleRef").path("name").asText() + "\"}: cannot change roleRef";
                case "IngressClass":
                    return o.path("controller").equals(n.path("controller")) ? null : "spec.controller: Invalid value: \""
                            + n.path("controller").asText() + "\": field is immutable";
                case "PersistentVolumeClaim": {
                    ObjectNode a = o.deepCopy();
                    ObjectNode b = n.deepCopy();
                    a.remove("resources");
                    b.remove("resources");
                    a.remove("volumeName");
                    b.remove("volumeName");
                    return a.equals(b) ? null : "spec: Forbidden: spec is immutable after creation except "
                            + "resources.requests and volumeAttributesClassName for bound claims";
                }
                case "PersistentVolume":
                    for (String source : List.of("hostPath", "local", "nfs", "csi")) {
                        if (!Objects.equals(o.get(source), n.get(source))) {
                            return "spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable "
                                    + "after creation";
                        }
                    }
                    return null;
                default:
                    return null;
            }
        }

        private String allocateClusterIp(String body) throws java.io.IOException {
            ObjectNode svc = (ObjectNode) JSON.readTree(body);
            ObjectNode spec = svc.withObject("/spec");
            if (spec.path("clusterIP").asText("").isEmpty()) {
                String ip = "10.96.0." + nextIp.getAndIncrement();
                spec.put("clusterIP", ip);
                spec.putArray("clusterIPs").add(ip);
            }
            return JSON.writeValueAsString(svc);
        }

        private static String group(JsonNode o) {
            String apiVersion = o.path("apiVersion").asText();
            return apiVersion.contains("/") ? "." + apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        }

        private static RecordedRequest put(String path, JsonNode body) throws java.io.IOException {
            return new RecordedRequest("HTTP/1.1", HttpMethod.PUT, path,
                    io.fabric8.mockwebserver.http.Headers.builder().add("Content-Type", "application/json").build(),
                    new Buffer(JSON.writeValueAsBytes(body)));
        }

        private static RecordedRequest withBody(RecordedRequest r, String body) {
            return new RecordedRequest("HTTP/1.1", r.method(), r.getPath(), r.getHeaders(),
                    new Buffer(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }

        private static MockResponse status(int code, String reason, String message, String name, String kind) {
            ObjectNode s = JSON.createObjectNode();
            s.put("kind", "Status").put("apiVersion", "v1").putObject("metadata");
            s.put("status", "Failure").put("message", message).put("reason", reason);
            s.putObject("details").put("name", name).put("kind", kind);
            s.put("code", code);
            return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                    .setBody(s.toString());
        }
    }
}
