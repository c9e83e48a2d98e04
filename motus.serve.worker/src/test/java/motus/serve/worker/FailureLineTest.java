package motus.serve.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

/** The one line a failed turn's error becomes. */
class FailureLineTest {

    @Test
    void theCausesThatSaySomethingNewAreNamed() {
        assertEquals("IllegalStateException: quota exceeded (caused by ConnectException: Connection refused)",
                AgentLoader.describe(new IllegalStateException("quota exceeded", new ConnectException("Connection refused"))));
    }

    @Test
    void causesThatRepeatWhatIsAlreadySaidAreLeftOut() {
        // What java.net.http's client throws when nothing listens, wrapped by a library (LangChain4j's).
        ConnectException inner = new ConnectException();
        inner.initCause(new ClosedChannelException());
        ConnectException outer = new ConnectException();
        outer.initCause(inner);
        assertEquals("RuntimeException: java.net.ConnectException (caused by ClosedChannelException)",
                AgentLoader.describe(new RuntimeException(outer)));
        assertEquals("IllegalStateException: boom (caused by ConnectException: refused)",
                AgentLoader.describe(new IllegalStateException("boom", new UncheckedIOException(new ConnectException("refused")))));
    }
}
