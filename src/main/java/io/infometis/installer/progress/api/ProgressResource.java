package io.infometis.installer.progress.api;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

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

    @Inject
    ObjectMapper mapper;

    /** The last snapshot served and its JSON: pollers get the same bytes until the model changes. */
    private volatile Serialised last;

    private record Serialised(ProgressSnapshot snapshot, byte[] json) {
    }

    /**
     * The snapshot as JSON bytes. {@link Progress#snapshot()} returns the same instance until something changes
     * (or a running install's clock ticks, at most every 250 ms), so the JSON is written once per change rather
     * than once per request: this is the endpoint every watcher and browser polls.
     */
    @GET
    @Path("/progress")
    @NonBlocking
    public byte[] progress() throws JsonProcessingException {
        ProgressSnapshot s = progress.snapshot();
        Serialised cached = last;
        if (cached != null && cached.snapshot() == s) {
            return cached.json();
        }
        byte[] json = mapper.writeValueAsBytes(s);
        last = new Serialised(s, json);
        return json;
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
