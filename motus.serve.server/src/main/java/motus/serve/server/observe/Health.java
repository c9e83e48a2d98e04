package motus.serve.server.observe;

import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.observe.health.HealthObserver;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Helidon Health at {@code /observe/health}, for probes: live while the server answers, ready
 * while workers can start. A probe never starts a JVM: readiness is what the latest real start
 * said (the start-up check, a spare or a turn's worker).
 */
public final class Health {

    private Health() {
    }

    /**
     * @param agent the agent reference, shown in the readiness details
     * @param notReady why the server cannot take turns now, or null when it can
     */
    public static HealthObserver observer(String agent, Supplier<@Nullable String> notReady) {
        return HealthObserver.builder()
                .details(true)
                .useSystemServices(false)
                .addCheck(() -> HealthCheckResponse.builder().status(true).build(), HealthCheckType.LIVENESS, "server")
                .addCheck(() -> readiness(agent, notReady.get()), HealthCheckType.READINESS, "workers")
                .build();
    }

    private static HealthCheckResponse readiness(String agent, @Nullable String failure) {
        HealthCheckResponse.Builder response = HealthCheckResponse.builder()
                .status(failure == null)
                .detail("agent", agent);
        if (failure != null) {
            response.detail("error", failure);
        }
        return response.build();
    }
}
