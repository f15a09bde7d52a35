package io.infometis.installer.progress.api;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.infometis.installer.host.HostGate;
import io.infometis.installer.upgrade.InstalledState;

/**
 * {@code GET /api/v1/installed}: the bundle installed here, the rollback target and the history (issue 14), read
 * from the state dir of the running command. {@code {"installed": null, "history": []}} before a first install
 * has finished. Read-only.
 */
@jakarta.ws.rs.Path("/api/v1/installed")
@Produces(MediaType.APPLICATION_JSON)
public class InstalledResource {
    @Inject
    StateDir stateDir;

    @GET
    public Map<String, Object> installed() {
        Map<String, Object> doc = new LinkedHashMap<>();
        Path dir = stateDir.get();
        InstalledState state = dir == null ? null : new InstalledState(dir, new HostGate(true, a -> {
        }));
        doc.put("installed", state == null ? null : state.read().orElse(null));
        doc.put("history", state == null ? java.util.List.of() : state.history().entries());
        return doc;
    }

    /** The state dir of the command that serves the API; set once it is known. */
    @ApplicationScoped
    public static class StateDir {
        private volatile Path dir;

        public void set(Path dir) {
            this.dir = dir;
        }

        public Path get() {
            return dir;
        }
    }
}
