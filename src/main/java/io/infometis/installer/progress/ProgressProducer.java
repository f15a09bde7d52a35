package io.infometis.installer.progress;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** One {@link Progress} per process, shared by the install command and the HTTP API. */
public class ProgressProducer {
    @Produces
    @Singleton
    Progress progress() {
        return new Progress();
    }
}
