package io.infometis.installer.testing;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * The fabric8 CRUD mock API server made as strict as kube-apiserver about PersistentVolumes, plus the PV
 * controller's binding, run a step at a time. The CRUD mock stores whatever it is sent; a real API server:
 * <ul>
 * <li>refuses a PV without exactly one volume source, and a {@code local} PV without required nodeAffinity (422);</li>
 * <li>refuses an update that changes the volume source, the volumeMode, or a nodeAffinity already set (422,
 * ValidatePersistentVolumeUpdate);</li>
 * <li>keeps a PV that a claim holds when it is deleted (the kubernetes.io/pv-protection finalizer) until the
 * claim lets go;</li>
 * <li>gives every object a uid.</li>
 * </ul>
 * {@link #syncPvController()} does one pass of the PV controller for claimRef-pre-bound PVs (the only kind the
 * installer makes): bind to the named claim when the claimRef has no uid, Bound while the claim with that uid
 * lives, Released (kept: Retain) once it is gone. Patches to PVs are not modelled and answered 501, so a change
 * that starts using them is noticed here.
 */
public final class PvCluster implements AutoCloseable {
    private static final Pattern PV = Pattern.compile("^/api/v1/persistentvolumes(?:/([^/?]+))?(?:\\?.*)?$");
    private final KubernetesMockServer server;
    private final KubernetesMixedDispatcher crud = new KubernetesMixedDispatcher(new HashMap<>());
    /** Every request the rules refused, as "METHOD path: message". */
    public final List<String> refusals = new CopyOnWriteArrayList<>();

    public PvCluster() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new Rules(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
    }

    public KubernetesClient client() {
        return server.createClient();
    }

    private final class Rules extends Dispatcher {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String path = request.getPath();
            Matcher m = PV.matcher(path);
            HttpMethod method = request.method();
            if (method == HttpMethod.POST || method == HttpMethod.PUT) {
                // Reading a request's body consumes it: read it once, hand the CRUD mock a copy.
                String body = request.getUtf8Body();
                if (!m.matches()) {
                    return crud.dispatch(copy(request, body));
                }
                PersistentVolume pv = Serialization.unmarshal(body, PersistentVolume.class);
                List<String> errors = validate(pv.getSpec());
                if (method == HttpMethod.PUT) {
                    PersistentVolume old = get(m.group(1));
                    if (old != null) {
                        errors.addAll(immutable(old.getSpec(), pv.getSpec()));
                    }
                }
                if (!errors.isEmpty()) {
                    return invalid(request, pv.getMetadata().getName(), errors);
                }
                return crud.dispatch(copy(request, body));
            }
            if (m.matches() && method == HttpMethod.PATCH) {
                refusals.add("PATCH " + path + ": not modelled");
                return new MockResponse().setResponseCode(501).setBody("PATCH of PersistentVolumes is not modelled by PvCluster");
            }
            if (m.matches() && method == HttpMethod.DELETE && m.group(1) != null) {
                PersistentVolume old = get(m.group(1));
                if (old != null && old.getStatus() != null && "Bound".equals(old.getStatus().getPhase())) {
                    // pv-protection: the object stays, marked for deletion, until its claim lets go.
                    old.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
                    old.getMetadata().setFinalizers(List.of("kubernetes.io/pv-protection"));
                    put(old);
                    return new MockResponse().setResponseCode(200).setBody(Serialization.asJson(old));
                }
            }
            return crud.dispatch(request);
        }
    }

    /** The request with this body; a create also gets the metadata.uid the API server would give it. */
    @SuppressWarnings("unchecked")
    private static RecordedRequest copy(RecordedRequest request, String body) {
        if (request.method() == HttpMethod.POST && body != null && !body.isEmpty()) {
            Map<String, Object> object = Serialization.unmarshal(body, Map.class);
            Map<String, Object> meta = (Map<String, Object>) object.computeIfAbsent("metadata", k -> new HashMap<>());
            meta.putIfAbsent("uid", UUID.randomUUID().toString());
            body = Serialization.asJson(object);
        }
        return new RecordedRequest(request.getHttpVersion(), request.method(), request.getPath(), request.getHeaders(),
                new Buffer().writeUtf8(body == null ? "" : body));
    }

    static List<String> validate(PersistentVolumeSpec spec) {
        List<String> errors = new ArrayList<>();
        int sources = (spec.getHostPath() != null ? 1 : 0) + (spec.getLocal() != null ? 1 : 0) + (spec.getNfs() != null ? 1 : 0)
                + (spec.getCsi() != null ? 1 : 0);
        if (sources != 1) {
            errors.add("spec: Required value: must specify a volume type");
        }
        if (spec.getLocal() != null) {
            if (spec.getLocal().getPath() == null || spec.getLocal().getPath().isEmpty()) {
                errors.add("spec.local.path: Required value");
            }
            if (spec.getNodeAffinity() == null || spec.getNodeAffinity().getRequired() == null
                    || spec.getNodeAffinity().getRequired().getNodeSelectorTerms() == null
                    || spec.getNodeAffinity().getRequired().getNodeSelectorTerms().isEmpty()) {
                errors.add("spec.nodeAffinity: Required value: Local volume requires node affinity");
            }
        }
        return errors;
    }

    static List<String> immutable(PersistentVolumeSpec old, PersistentVolumeSpec now) {
        List<String> errors = new ArrayList<>();
        if (!Objects.equals(old.getHostPath(), now.getHostPath()) || !Objects.equals(old.getLocal(), now.getLocal())
                || !Objects.equals(old.getNfs(), now.getNfs()) || !Objects.equals(old.getCsi(), now.getCsi())) {
            errors.add("spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation");
        }
        if (!Objects.equals(Objects.requireNonNullElse(old.getVolumeMode(), "Filesystem"),
                Objects.requireNonNullElse(now.getVolumeMode(), "Filesystem"))) {
            errors.add("volumeMode: Invalid value: field is immutable");
        }
        if (old.getNodeAffinity() != null && !Objects.equals(old.getNodeAffinity(), now.getNodeAffinity())) {
            errors.add("nodeAffinity: Invalid value: field is immutable");
        }
        return errors;
    }

    private MockResponse invalid(RecordedRequest request, String name, List<String> errors) {
        String message = "PersistentVolume \"" + name + "\" is invalid: " + String.join(", ", errors);
        refusals.add(request.method() + " " + request.getPath() + ": " + message);
        Map<String, Object> status = Map.of("kind", "Status", "apiVersion", "v1", "metadata", Map.of(), "status", "Failure",
                "message", message, "reason", "Invalid", "code", 422);
        return new MockResponse().setResponseCode(422).setBody(Serialization.asJson(status));
    }

    private PersistentVolume get(String name) {
        MockResponse r = crud.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.GET, "/api/v1/persistentvolumes/" + name,
                new Headers.Builder().build(), new Buffer()));
        return r.code() == 200 ? Serialization.unmarshal(r.getBody().readUtf8(), PersistentVolume.class) : null;
    }

    private void put(PersistentVolume pv) {
        crud.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.PUT, "/api/v1/persistentvolumes/" + pv.getMetadata().getName(),
                new Headers.Builder().add("Content-Type", "application/json").build(),
                new Buffer().writeUtf8(Serialization.asJson(pv))));
    }

    /** One pass of the PV controller (and of pv-protection) over every PV. */
    public void syncPvController() {
        try (KubernetesClient c = client()) {
            for (PersistentVolume pv : c.persistentVolumes().list().getItems()) {
                var ref = pv.getSpec().getClaimRef();
                PersistentVolumeClaim claim = ref == null ? null
                        : c.persistentVolumeClaims().inNamespace(ref.getNamespace()).withName(ref.getName()).get();
                String phase;
                if (ref == null) {
                    phase = "Available";
                } else if (ref.getUid() == null) {
                    if (claim != null && (claim.getSpec().getVolumeName() == null
                            || claim.getSpec().getVolumeName().equals(pv.getMetadata().getName()))) {
                        ref.setUid(claim.getMetadata().getUid());
                        ref.setResourceVersion(claim.getMetadata().getResourceVersion());
                        pv = c.persistentVolumes().resource(pv).update();
                        claim.getSpec().setVolumeName(pv.getMetadata().getName());
                        claim = c.persistentVolumeClaims().resource(claim).update();
                        claim.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder()
                                .withPhase("Bound").build());
                        c.persistentVolumeClaims().resource(claim).updateStatus();
                        phase = "Bound";
                    } else {
                        phase = "Available";
                    }
                } else {
                    phase = claim != null && ref.getUid().equals(claim.getMetadata().getUid()) ? "Bound" : "Released";
                }
                if (pv.getMetadata().getDeletionTimestamp() != null && !phase.equals("Bound")) {
                    c.persistentVolumes().withName(pv.getMetadata().getName()).delete(); // finalizer lifted
                    continue;
                }
                pv.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeStatusBuilder().withPhase(phase).build());
                c.persistentVolumes().resource(pv).updateStatus();
            }
        }
    }

    @Override
    public void close() {
        server.destroy();
    }
}
