package io.infometis.installer.progress.api;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.infometis.installer.host.HostGate;
import io.infometis.installer.support.InstallLocation;
import io.infometis.installer.upgrade.InstalledState;

/**
 * {@code GET /api/v1/installed}: the bundle installed here, the rollback target and the history (issue 14), read
 * from the state dir of the running command ({@link InstallLocation}). {@code {"installed": null, "history": []}}
 * before a first install has finished. Read-only.
 */
@jakarta.ws.rs.Path("/api/v1/installed")
@Produces(MediaType.APPLICATION_JSON)
public class InstalledResource {
    @Inject
    InstallLocation location;

    @GET
    public Map<String, Object> installed() {
        Map<String, Object> doc = new LinkedHashMap<>();
        var paths = location.get();
        InstalledState state = paths == null ? null : new InstalledState(paths.stateDir(), new HostGate(true, a -> {
        }));
        doc.put("installed", state == null ? null : state.read().orElse(null));
        doc.put("history", state == null ? java.util.List.of() : state.history().entries());
        return doc;
    }
}
