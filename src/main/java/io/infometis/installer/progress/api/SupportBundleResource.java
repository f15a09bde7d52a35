package io.infometis.installer.progress.api;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.infometis.installer.host.HostPaths;
import io.infometis.installer.host.K0sCli;
import io.infometis.installer.k8s.KubeClients;
import io.infometis.installer.progress.Progress;
import io.infometis.installer.support.InstallLocation;
import io.infometis.installer.support.SupportCollector;
import io.smallrye.common.annotation.Blocking;

/**
 * {@code GET /api/v1/support-bundle}: the support bundle of the install this API reports on, streamed as tar.gz, so
 * an install booted from the ISO can be diagnosed from a laptop. Behind the same token as every other API route.
 */
@Path("/api/v1")
public class SupportBundleResource {
    @Inject
    Progress progress;
    @Inject
    InstallLocation location;
    @Inject
    ObjectMapper mapper;

    @GET
    @Path("/support-bundle")
    @Produces("application/gzip")
    @Blocking
    public Response supportBundle() {
        HostPaths paths = location.get();
        if (paths == null) {
            return Response.status(503).type("application/json")
                    .entity("{\"message\":\"no install is running in this process\"}").build();
        }
        String name = "infometis-support-" + Instant.now().toString().replace(":", "").replaceAll("\\..*", "");
        StreamingOutput body = out -> new SupportCollector(paths, new K0sCli(paths.k0sBinary(), Duration.ofSeconds(20)),
                KubeClients.fromKubeconfig(paths.adminKubeconfig()), new SupportCollector.ProgressSource() {
                    @Override
                    public String eventsJson() throws IOException {
                        return mapper.writeValueAsString(progress.events(0, 10_000));
                    }

                    @Override
                    public List<String> logTail() {
                        return progress.logTail(SupportCollector.LOG_LINES);
                    }
                }).writeTo(out, name);
        return Response.ok(body).header("Content-Disposition", "attachment; filename=\"" + name + ".tar.gz\"").build();
    }
}
