package io.infometis.installer.host;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Installs and starts the k0s service. Production uses k0s's own {@code install}/{@code start}, which write the
 * systemd or OpenRC unit; tests and hosts without an init system (PID 1 is not systemd in many containers) swap it.
 */
public interface ServiceManager {

    void install(Path config) throws IOException;

    void start() throws IOException;

    void stop() throws IOException;

    /** k0s's own service handling: {@code k0s install controller ...}, {@code k0s start}, {@code k0s stop}. */
    static ServiceManager k0s(K0sCli k0s) {
        return new ServiceManager() {
            @Override
            public void install(Path config) throws IOException {
                k0s.installController(config);
            }

            @Override
            public void start() throws IOException {
                k0s.start();
            }

            @Override
            public void stop() throws IOException {
                k0s.stop();
            }
        };
    }
}
