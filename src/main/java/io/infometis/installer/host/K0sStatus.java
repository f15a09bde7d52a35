package io.infometis.installer.host;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What {@code k0s status -o json} prints. k0s marshals its Go struct without json tags, so the keys are the Go field
 * names ({@code Version}, {@code Pid}, {@code Role}, ...); only the fields the installer reads are mapped.
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
public record K0sStatus(
        @JsonProperty("Version") String version,
        @JsonProperty("Pid") long pid,
        @JsonProperty("Role") String role,
        @JsonProperty("SysInit") String sysInit,
        @JsonProperty("StubFile") String stubFile,
        @JsonProperty("Workloads") boolean workloads,
        @JsonProperty("SingleNode") boolean singleNode,
        @JsonProperty("WorkerToAPIConnectionStatus") ApiConnection workerToApi) {

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ApiConnection(@JsonProperty("Message") String message, @JsonProperty("Success") boolean success) {
    }
}
