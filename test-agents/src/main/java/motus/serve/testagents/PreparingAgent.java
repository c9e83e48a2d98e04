package motus.serve.testagents;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import motus.serve.api.ChatMessage;
import motus.serve.api.ServableAgent;
import motus.serve.api.TurnResult;

/**
 * Says whether {@link #prepare()} ran in its worker before the turn. Its preparation writes the
 * worker's pid to the file named by the system property {@code motus.test.prepared}, if set, so
 * that a test can wait until a spare is prepared.
 */
public class PreparingAgent implements ServableAgent {

    /** One whose preparation fails. */
    public static final ServableAgent failing = new PreparingAgent() {
        @Override
        public void prepare() throws IOException {
            super.prepare();
            throw new IllegalStateException("no API key", new IllegalArgumentException("ANTHROPIC_API_KEY is not set"));
        }
    };

    private static boolean prepared;

    @Override
    public void prepare() throws IOException {
        prepared = true;
        String marker = System.getProperty("motus.test.prepared");
        if (marker != null) {
            Files.writeString(Path.of(marker), String.valueOf(ProcessHandle.current().pid()));
        }
    }

    @Override
    public TurnResult runTurn(ChatMessage message, List<ChatMessage> state) {
        return TurnResult.append(state, message, ChatMessage.assistant("prepared " + prepared));
    }
}
