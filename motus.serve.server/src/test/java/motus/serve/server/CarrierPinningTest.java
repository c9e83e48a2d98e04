package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.helidon.webclient.http1.Http1Client;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Idle spares and running turns whose workers print nothing must not stop the server: a
 * blocking read of a worker's pipe on a virtual thread pins its carrier, and once every carrier
 * was pinned no HTTP handler ran again. The server runs with one carrier thread and no
 * compensating ones, so a single pinned read anywhere would hang it.
 */
class CarrierPinningTest {

    private static final int SPARES = 3;
    private static final int WORKERS = 3;
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @Test
    void silentSparesAndTurnsLeaveTheServerAnswering() throws Exception {
        Process server = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djdk.virtualThreadScheduler.parallelism=1",
                "-Djdk.virtualThreadScheduler.maxPoolSize=1",
                "-Dmotus.test.agents=" + TestAgents.modulePath().toAbsolutePath(),
                "-cp", System.getProperty("java.class.path"),
                OneCarrierServer.class.getName(), String.valueOf(SPARES), String.valueOf(WORKERS)))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            Api api = new Api(Http1Client.builder().baseUri("http://127.0.0.1:" + portOf(server))
                    .readTimeout(DEADLINE).build());
            TestAgents.await(SPARES + " spares are up", DEADLINE, () -> workersOf(server) == SPARES);

            List<String> holding = new ArrayList<>();
            for (int i = 0; i < WORKERS - 1; i++) {
                String id = api.createSession();
                TestAgents.holdingWorker(api, id); // runs until killed, printing nothing
                holding.add(id);
            }
            assertEquals(WORKERS - 1, api.get("/health").expect(200).body().path("running_workers").asInt());

            String id = api.createSession();
            for (int i = 0; i < 3; i++) {
                assertEquals("turn " + i, api.turn(id, "turn " + i).body().at("/response/content").asText());
                api.get("/health").expect(200);
            }
            for (String held : holding) {
                api.delete("/sessions/" + held).expect(204);
            }
            TestAgents.await("the deleted sessions' workers are gone", DEADLINE,
                    () -> api.get("/health").expect(200).body().path("running_workers").asInt() == 0);
        } finally {
            server.getOutputStream().close(); // it stops
            if (!server.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                server.descendants().forEach(ProcessHandle::destroyForcibly);
                server.destroyForcibly();
            }
        }
        TestAgents.await("no worker is left", DEADLINE, () -> server.descendants().noneMatch(ProcessHandle::isAlive));
    }

    private static int portOf(Process server) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        if (line == null || !line.startsWith("port ")) {
            throw new AssertionError("the server did not start: " + line);
        }
        return Integer.parseInt(line.substring("port ".length()));
    }

    private static long workersOf(Process server) {
        return server.children()
                .filter(p -> p.info().commandLine().orElse("").contains("motus.serve.worker.WorkerMain"))
                .count();
    }
}
