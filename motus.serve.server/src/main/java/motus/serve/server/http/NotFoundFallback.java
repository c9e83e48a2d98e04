package motus.serve.server.http;

import io.helidon.common.Weighted;
import io.helidon.webserver.http.HttpFeature;
import io.helidon.webserver.http.HttpRouting;

/**
 * Unknown paths answered in the contract's shape, {@code {"detail": "Not Found"}}. A feature of
 * the lowest weight, so that it comes after every other route, {@code /observe} included.
 */
public final class NotFoundFallback implements HttpFeature, Weighted {

    @Override
    public void setup(HttpRouting.Builder routing) {
        routing.any(SessionService::notFound);
    }

    @Override
    public double weight() {
        return 0;
    }
}
