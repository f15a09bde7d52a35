package io.infometis.installer.support;

import jakarta.enterprise.context.ApplicationScoped;

import io.infometis.installer.host.HostPaths;

/**
 * Where the running install lives, for the progress API's support bundle and installed record: set by the commands
 * that serve the API ({@code install}, {@code upgrade}, {@code rollback}) once their options are parsed; unset
 * (null) in every other command, where the API does not run.
 */
@ApplicationScoped
public class InstallLocation {
    private volatile HostPaths paths;

    public void set(HostPaths paths) {
        this.paths = paths;
    }

    public HostPaths get() {
        return paths;
    }
}
