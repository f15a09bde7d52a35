package io.infometis.installer.progress.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

import io.infometis.installer.progress.Progress;
import io.infometis.installer.progress.ProgressSnapshot;

/** Health of the installer process itself; the install's own state travels as data, not as DOWN. */
public class InstallHealth {

    @Liveness
    @ApplicationScoped
    public static class Live implements HealthCheck {
        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.up("installer");
        }
    }

    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {
        @Inject
        Progress progress;

        @Override
        public HealthCheckResponse call() {
            ProgressSnapshot s = progress.snapshot();
            return HealthCheckResponse.named("progress-api").up()
                    .withData("state", s.state().label())
                    .withData("percent", s.percent())
                    .withData("phase", s.currentPhase() == null ? "" : s.currentPhase())
                    .build();
        }
    }
}
