package motus.serve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A wrong config file stops {@code motus serve start} before it listens, with one line naming the key. */
class StartConfigTest {

    @TempDir
    Path dir;

    @Test
    void aNegativeTtlIsRefused() throws IOException {
        assertRefused("""
                motus:
                  serve:
                    agent: com.example.Agent
                    ttl: -1
                """, "application.yaml: ttl must be a number of seconds >= 0, not -1.0");
    }

    @Test
    void aValueOfTheWrongTypeIsRefused() throws IOException {
        assertRefused("""
                motus:
                  serve:
                    agent: com.example.Agent
                    workers: many
                """, "motus.serve.workers in ");
        String line = assertRefused("""
                motus:
                  serve:
                    agent: com.example.Agent
                    ttl: 1h
                """, "motus.serve.ttl in ");
        assertTrue(line.endsWith("application.yaml: not a valid value (1h): expected a number of seconds, such as 30 or 0.5"),
                line);
        assertTrue(assertRefused("""
                motus:
                  serve:
                    agent: com.example.Agent
                    workers: many
                """, "not a valid value (many)").endsWith(": expected a whole number"));
    }

    @Test
    void aTypoInAKeyIsRefusedAndTheKnownKeysListed() throws IOException {
        String line = assertRefused("""
                motus:
                  serve:
                    agent: com.example.Agent
                    wokers: 2
                """, "unknown key motus.serve.wokers");
        assertTrue(line.contains("workers"), line);
    }

    @Test
    void aMistypedFlagSuggestsTheFlagItMeant() {
        CliRun run = CliRun.motus("serve", "start", "com.example.Agent", "--prot", "18220");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("Did you mean --port?"), run.err());
        CliRun chat = CliRun.motus("serve", "chat", "http://localhost:9", "--sesion", "x");
        assertTrue(chat.err().contains("Did you mean --session?"), chat.err());
    }

    @Test
    void aTypoUnderServerIsRefusedToo() throws IOException {
        String line = assertRefused("""
                server:
                  prot: 18221
                motus:
                  serve:
                    agent: com.example.Agent
                """, "unknown key server.prot");
        assertTrue(line.contains("(known: host, port)"), line);
    }

    @Test
    void aPortOutOfRangeIsRefused() throws IOException {
        assertRefused("""
                server:
                  port: 70000
                motus:
                  serve:
                    agent: com.example.Agent
                """, "server.port: must be between 0 and 65535, not 70000");
    }

    @Test
    void anUnknownLogLevelIsRefused() throws IOException {
        assertRefused("""
                motus:
                  serve:
                    agent: com.example.Agent
                    log-level: verbose
                """, "motus.serve.log-level: must be debug, info, warning or error, not 'verbose'");
    }

    @Test
    void aMissingConfigFileIsRefused() {
        CliRun run = CliRun.motus("serve", "start", "--config", dir.resolve("nope.yaml").toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("Error: config file not found: "), run.err());
    }

    /** Runs start with {@code yaml} as its config; returns the error line after checking it. */
    private String assertRefused(String yaml, String expected) throws IOException {
        Path file = Files.writeString(dir.resolve("application.yaml"), yaml);
        CliRun run = CliRun.motus("serve", "start", "--config", file.toString());
        assertEquals(2, run.exitCode(), run.out() + run.err());
        String[] lines = run.err().split("\n");
        assertEquals(2, lines.length, "one error line, then where to get help: " + run.err());
        assertTrue(lines[0].startsWith("Error: ") && lines[0].contains(expected), run.err());
        assertTrue(lines[1].startsWith("Try '"), run.err());
        return lines[0];
    }
}
