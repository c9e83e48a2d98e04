package motus.serve.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import motus.serve.wire.Json;
import org.junit.jupiter.api.Test;

/** A turn's event log is bounded whatever the agent streams; what the server says is always kept. */
class TurnEventsTest {

    @Test
    void theAgentsEventsStopAtTheBoundButTheServersAndDoneAreKept() throws InterruptedException {
        TurnEvents events = new TurnEvents(1, 1000);
        events.server("started", Json.MAPPER.createObjectNode().put("session_id", "s"));
        for (int i = 0; i < 100; i++) {
            events.agent("delta", Json.MAPPER.createObjectNode().put("text", "0123456789012345678901234567890123456789"));
        }
        events.server("resumed", Json.MAPPER.createObjectNode().put("interrupt_id", "i"));
        events.end(new SessionView("s", SessionStatus.IDLE, null, null, List.of()));

        List<TurnEvents.Event> all = events.after(0, 0);
        long deltas = all.stream().filter(e -> e.name().equals("delta")).count();
        assertEquals(19, deltas, "1000 bytes hold 19 deltas of 51 bytes");
        assertEquals(List.of("started", "resumed", "done"),
                all.stream().map(TurnEvents.Event::name).filter(name -> !name.equals("delta")).toList());
        assertEquals(List.of(), events.after(all.getLast().sequence(), 0), "nothing after done");
    }
}
