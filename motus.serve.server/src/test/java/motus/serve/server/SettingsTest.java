package motus.serve.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one declaration of each setting, and the places that must agree with it. */
class SettingsTest {

    private static final Path EXAMPLE_CONFIG = Path.of("../examples/application.yaml");

    @Test
    void theExampleConfigExplainsEverySettingAndItsValuesAreValid() throws IOException {
        String yaml = Files.readString(EXAMPLE_CONFIG);
        for (Setting<?> setting : Settings.ALL) {
            assertTrue(Pattern.compile("(?m)^ {4}(# )?" + Pattern.quote(setting.key()) + ":").matcher(yaml).find(),
                    EXAMPLE_CONFIG + " explains motus.serve." + setting.key());
        }
        AgentServer.Builder builder = AgentServer.builder()
                .config(Config.just(ConfigSources.file(EXAMPLE_CONFIG)).get("motus.serve"));
        assertEquals(Duration.ofHours(1), builder.value(Settings.TTL));
        assertEquals(256, builder.value(Settings.WORKER_HEAP_MB));
    }

    @Test
    void theReadmeNamesEveryFlagAndConfigKey() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        for (Setting<?> setting : Settings.ALL) {
            String name = setting.isFlag() ? "--" + setting.key() : setting.key();
            assertTrue(readme.contains("`" + name), "README.md names " + name);
        }
    }

    @Test
    void configAndBuilderCheckAValueTheSameWayAndNameTheKey() {
        Config config = Config.just(ConfigSources.create(Map.of("motus.serve.worker-heap-mb", "8")));
        IllegalArgumentException fromConfig = assertThrows(IllegalArgumentException.class,
                () -> AgentServer.builder().config(config.get("motus.serve")));
        assertEquals("motus.serve.worker-heap-mb: worker-heap-mb must be at least 16, not 8", fromConfig.getMessage());
        IllegalArgumentException fromCode = assertThrows(IllegalArgumentException.class,
                () -> AgentServer.builder().workerHeapMegabytes(8));
        assertEquals("worker-heap-mb must be at least 16, not 8", fromCode.getMessage());
    }

    @Test
    void openTelemetrysSettingsReadNestedOrDottedAsTheSdkNamesThemWithoutItsPrefix(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("application.yaml"), """
                motus:
                  serve:
                    otel:
                      exporter.otlp.endpoint: http://collector:4318
                      service:
                        name: assistant
                      traces.sampler.arg: 0.25
                """);
        Map<String, String> otel = AgentServer.builder().config(Config.just(ConfigSources.file(file)).get("motus.serve"))
                .value(Settings.OTEL);
        assertEquals(Map.of("exporter.otlp.endpoint", "http://collector:4318", "service.name", "assistant",
                "traces.sampler.arg", "0.25"), otel);
    }

    @Test
    void anIsolationModeIsNamedAndABadOneNamesTheChoices() {
        Config session = Config.just(ConfigSources.create(Map.of("motus.serve.isolation", "session")));
        assertEquals(Isolation.SESSION, AgentServer.builder().config(session.get("motus.serve")).value(Settings.ISOLATION));
        Config bad = Config.just(ConfigSources.create(Map.of("motus.serve.isolation", "process")));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> AgentServer.builder().config(bad.get("motus.serve")));
        assertEquals("motus.serve.isolation: isolation must be one of turn, session, not 'process'", refused.getMessage());
    }

    @Test
    void workerSnapshotsOffAndOnReadAsYamlWritesThem(@TempDir Path dir) throws IOException {
        // YAML 1.1 reads an unquoted off/on as booleans: the file says off, the setting gets "false".
        for (String mode : List.of("off", "on", "auto", "\"off\"")) {
            Path file = Files.writeString(dir.resolve("application.yaml"), "motus:\n  serve:\n    worker-snapshots: " + mode + "\n");
            WorkerSnapshots read = AgentServer.builder().config(Config.just(ConfigSources.file(file)).get("motus.serve"))
                    .value(Settings.WORKER_SNAPSHOTS);
            assertEquals(mode.replace("\"", ""), read.wireName());
        }
    }

    @Test
    void aSettingNotSetHasItsDeclaredDefault() {
        AgentServer.Builder builder = AgentServer.builder();
        for (Setting<?> setting : Settings.ALL) {
            assertEquals(setting.defaultValue(), builder.value(setting), setting.key());
        }
    }
}
