package io.infometis.installer.progress.api;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import io.infometis.installer.progress.EventPage;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.ProgressSnapshot;
import io.smallrye.common.annotation.NonBlocking;

/** {@code /api/v1}: the install's progress, events and log tail. Read-only; never serves a secret. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class ProgressResource {
    @Inject
    Progress progress;

    @GET
    @Path("/progress")
    @NonBlocking
    public ProgressSnapshot progress() {
        return progress.snapshot();
    }

    @GET
    @Path("/events")
    @NonBlocking
    public EventPage events(@QueryParam("after") @DefaultValue("0") long after,
            @QueryParam("limit") @DefaultValue("100") int limit) {
        return progress.events(after, limit);
    }

    @GET
    @Path("/log")
    @NonBlocking
    public List<String> log(@QueryParam("lines") @DefaultValue("200") int lines) {
        return progress.logTail(lines);
    }
}
