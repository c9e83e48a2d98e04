package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The official protocol clients, from npm, run by Node against a server under test: the scripts
 * in {@code src/test/node} each take a scenario and the server's URLs, and print what they saw as
 * JSON, or fail naming the expectation that did not hold.
 */
final class NodeClients {

    private static final Path DIRECTORY = Path.of("src/test/node");

    private NodeClients() {
    }

    /** Installs the pinned clients from the lock file, once per checkout. */
    static synchronized void install() throws IOException, InterruptedException {
        if (Files.isDirectory(DIRECTORY.resolve("node_modules/@a2a-js/sdk"))
                && Files.isDirectory(DIRECTORY.resolve("node_modules/@modelcontextprotocol/sdk"))) {
            return;
        }
        Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
                .directory(DIRECTORY.toFile()).redirectErrorStream(true).start();
        String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(npm.waitFor(5, TimeUnit.MINUTES), "npm ci did not finish");
        assertEquals(0, npm.exitValue(), "npm ci failed:\n" + output);
    }

    /**
     * Runs {@code script}'s {@code scenario} against {@code urls}.
     *
     * @return what the scenario printed
     */
    static JsonNode run(String script, String scenario, String apiKey, List<String> urls)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", script, scenario));
        command.addAll(urls);
        ProcessBuilder builder = new ProcessBuilder(command).directory(DIRECTORY.toFile());
        builder.environment().put("MOTUS_TEST_KEY", apiKey);
        Path errors = Files.createTempFile("node-client", ".log");
        try {
            Process node = builder.redirectError(errors.toFile()).start();
            String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!node.waitFor(2, TimeUnit.MINUTES)) {
                node.destroyForcibly();
                throw new AssertionError(script + " " + scenario + " did not finish");
            }
            assertEquals(0, node.exitValue(), script + " " + scenario + " failed:\n" + Files.readString(errors) + output);
            return Api.JSON.readTree(output);
        } finally {
            Files.deleteIfExists(errors);
        }
    }
}
