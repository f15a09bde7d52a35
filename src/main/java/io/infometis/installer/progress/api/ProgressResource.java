package io.infometis.installer.progress.api;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

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
    public EventPage events(@QueryParam("after") @DefaultValue("0") String after,
            @QueryParam("limit") @DefaultValue("100") String limit) {
        return progress.events(number("after", after, 0, Long.MAX_VALUE), (int) number("limit", limit, 1, 1000));
    }

    @GET
    @Path("/log")
    @NonBlocking
    public List<String> log(@QueryParam("lines") @DefaultValue("200") String lines) {
        return progress.logTail((int) number("lines", lines, 0, 10_000));
    }

    /**
     * A query parameter as a whole number in range. Taken as text and parsed here because JAX-RS answers a value
     * it cannot convert with an empty 404, which reads as "no such endpoint" rather than "fix the parameter".
     */
    static long number(String name, String value, long min, long max) {
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw badRequest(name + " must be a whole number");
        }
        if (n < min || n > max) {
            throw badRequest(name + " must be between " + min + " and " + max);
        }
        return n;
    }

    private static WebApplicationException badRequest(String why) {
        return new WebApplicationException(Response.status(400).type(MediaType.APPLICATION_JSON)
                .entity("{\"error\":\"" + why + "\"}").build());
    }
}
