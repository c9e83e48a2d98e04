package motus.serve.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new user's first hour, from an empty local Maven repository: the documented install command,
 * {@code motus new}, {@code mvn package} on what it made, then the image serves it and answers.
 */
class StarterIT {

    private static final Path SOURCE = Path.of(System.getProperty("motus.source", "..")).toAbsolutePath().normalize();
    /** Where this build's own local repository is: the third-party artifacts come from there, read-only. */
    private static final Path SEED = Path.of(System.getProperty("motus.maven.repo",
            System.getProperty("user.home") + "/.m2/repository"));

    @TempDir
    Path dir;

    @Test
    void aGeneratedProjectBuildsFromAnEmptyRepositoryAndIsServed() throws Exception {
        Path repository = Files.createDirectories(dir.resolve("repository"));
        Path settings = settings();

        maven(SOURCE.resolve("mvnw"), SOURCE, repository, settings, "-pl", "motus.serve.api,motus.serve.langchain4j",
                "install", "-DskipTests");
        Path api = repository.resolve("io/motus/serve/motus.serve.api/0.1.0-SNAPSHOT");
        assertTrue(Files.isRegularFile(api.resolve("motus.serve.api-0.1.0-SNAPSHOT.jar")), "the install step put the API there");
        assertTrue(Files.notExists(repository.resolve("io/motus/serve/motus-serve-parent")), "and not our parent POM");

        Motus.Result created = Motus.run(dir, "", "new", "hello-agent", "--group-id", "com.acme");
        assertEquals(0, created.exitCode(), created.output());
        Path project = dir.resolve("hello-agent");
        maven(project.resolve("mvnw"), project, repository, settings, "package"); // its own wrapper finds the JDK
        assertTrue(Files.isRegularFile(project.resolve("target/surefire-reports/com.acme.hello.HelloAgentTest.txt")),
                "the project's own test ran");

        try (Motus server = Motus.start(project, "serve", "start", "com.acme.hello.HelloAgent",
                "--module-path", "target/hello-agent.jar", "--host", "127.0.0.1", "--port", "0")) {
            String url = "http://127.0.0.1:" + server.awaitPort(Duration.ofMinutes(1));
            Motus.Result chat = Motus.run(dir, "", "serve", "chat", url, "hello");
            assertEquals(0, chat.exitCode(), chat.output() + server.output());
            assertEquals("Turn 1: you said \"hello\"", chat.output().strip());
        }
    }

    /**
     * Settings that read released artifacts from this build's own repository before Maven Central,
     * so that the test needs no network where the build already ran; snapshots (ours) never come
     * from there, only from what the install step put in the empty repository.
     */
    private Path settings() throws IOException {
        String seed = SEED.toUri().toString();
        String repository = """
                <id>seed</id><url>%s</url>
                <releases><enabled>true</enabled></releases><snapshots><enabled>false</enabled></snapshots>
                """.formatted(seed);
        return Files.writeString(dir.resolve("settings.xml"), """
                <settings>
                  <profiles><profile><id>seed</id>
                    <repositories><repository>%s</repository></repositories>
                    <pluginRepositories><pluginRepository>%s</pluginRepository></pluginRepositories>
                  </profile></profiles>
                  <activeProfiles><activeProfile>seed</activeProfile></activeProfiles>
                </settings>
                """.formatted(repository, repository));
    }

    private static void maven(Path wrapper, Path directory, Path repository, Path settings, String... goals)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(wrapper.toString(), "-B", "-q",
                "-Dmaven.repo.local=" + repository, "-s", settings.toString()));
        command.addAll(List.of(goals));
        Process maven = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(maven.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(maven.waitFor(10, TimeUnit.MINUTES), "maven did not finish");
        assertEquals(0, maven.exitValue(), String.join(" ", command) + " in " + directory + ":\n" + output);
    }
}
