package motus.serve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.Test;

/** The chat's line editing on a terminal: the arrow keys bring back messages, never answers to questions. */
class ReplInputTest {

    @Test
    void anAnswerToAQuestionIsNotKeptAsAMessage() throws Exception {
        byte[] typed = "first message\ny\nsecond message\n".getBytes(StandardCharsets.UTF_8);
        Terminal terminal = TerminalBuilder.builder().dumb(true)
                .streams(new ByteArrayInputStream(typed), new ByteArrayOutputStream()).build();
        try (ReplInput.Editing input = new ReplInput.Editing(terminal)) {
            assertEquals("first message", input.readLine("> "));
            assertEquals("y", input.readAnswer("Approve? [y/N]: "));
            assertEquals("second message", input.readLine("> "));
            assertEquals(List.of("first message", "second message"), input.history());
        }
    }
}
