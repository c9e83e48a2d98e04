package motus.serve.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import motus.serve.server.session.Session;
import motus.serve.server.session.SessionRules;
import motus.serve.server.session.SessionView;
import motus.serve.server.session.Turn;
import motus.serve.server.session.TurnControl;
import motus.serve.server.store.PostgresStore;
import org.jspecify.annotations.Nullable;

/**
 * A server started on a free loopback port, stopped on close. With the system property
 * {@code motus.test.store=postgres} (the {@code postgres-contract} run of the build) it is two
 * replicas on a fresh PostgreSQL database, and the client alternates between them request by
 * request: the same black-box tests then check that replicas behave as one server.
 */
record RunningServer(AgentServer server, Api api, List<AgentServer> replicas, @Nullable String storeUrl)
        implements AutoCloseable {

    static final boolean REPLICATED = "postgres".equals(System.getProperty("motus.test.store"));

    static RunningServer start(AgentServer.Builder builder) {
        if (!REPLICATED) {
            AgentServer server = builder.build().start("127.0.0.1", 0);
            return new RunningServer(server, Api.at(server.port()), List.of(server), null);
        }
        String url = Postgres.server().newDatabase();
        builder.storeUrl(url);
        List<AgentServer> replicas = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            replicas.add(builder.build().start("127.0.0.1", 0));
        }
        return new RunningServer(replicas.get(0), Api.alternating(replicas.stream().mapToInt(AgentServer::port).toArray()),
                List.copyOf(replicas), url);
    }

    /** Each replica's base URL, {@code http://127.0.0.1:<port>}: the first is {@link #server}'s. */
    List<String> urls() {
        return replicas.stream().map(replica -> "http://127.0.0.1:" + replica.port()).toList();
    }

    /** A session as the servers left it, once they are stopped: from memory, or from the database. */
    SessionView stored(String id) {
        if (storeUrl == null) {
            return server.sessions().get(id).view();
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (PostgresStore store = PostgresStore.open(storeUrl, null, null, Duration.ofSeconds(10), 0, new SessionRules(1),
                NO_TURNS, ended -> { }, timer)) {
            return store.get(id).view();
        } finally {
            timer.shutdownNow();
        }
    }

    /** For a store opened only to read: it starts no turn, so none runs here. */
    private static final TurnControl NO_TURNS = new TurnControl() {
        @Override
        public void run(Session session, Turn turn) {
            throw new IllegalStateException("a store opened to read started a turn");
        }

        @Override
        public void cancel(String sessionId, long token, String reason) {
        }

        @Override
        public void answer(String sessionId, long token, String interruptId, JsonNode value, boolean allAnswered) {
        }
    };

    @Override
    public void close() {
        replicas.forEach(AgentServer::stop);
    }
}
