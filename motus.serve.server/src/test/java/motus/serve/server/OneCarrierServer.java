package motus.serve.server;

import java.io.IOException;
import java.time.Duration;

/**
 * A server for {@link CarrierPinningTest}, in a JVM of its own so that its virtual threads can
 * be given a single carrier thread: prints {@code port N}, serves until its standard input
 * closes, then stops.
 */
final class OneCarrierServer {

    private OneCarrierServer() {
    }

    public static void main(String[] args) throws IOException {
        AgentServer server = TestAgents.scripted()
                .prewarm(Integer.parseInt(args[0]))
                .maxWorkers(Integer.parseInt(args[1]))
                .shutdownTimeout(Duration.ofMillis(1))
                .build()
                .start("127.0.0.1", 0);
        System.out.println("port " + server.port());
        System.out.flush();
        while (System.in.read() >= 0) {
            // serve until the test closes our input or dies
        }
        server.stop();
    }
}
