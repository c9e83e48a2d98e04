package motus.serve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code motus new}; StarterIT builds and serves what it makes. */
class NewCommandTest {

    @TempDir
    Path dir;

    @Test
    void theTopHelpListsEveryCommandWithAWholeSummary() {
        String help = CliRun.motus("--help").out();
        List<String> commands = help.substring(help.indexOf("Commands:")).lines().skip(1).toList();
        assertTrue(commands.stream().anyMatch(line -> line.startsWith("  new ")), help);
        for (String line : commands) {
            assertTrue(line.endsWith("."), "a summary cut short: '" + line + "' in\n" + help);
        }
    }

    @Test
    void itWritesAStandaloneProjectNamedAfterItsFolder() throws Exception {
        Path project = dir.resolve("hello-agent");

        CliRun run = CliRun.motus("new", project.toString(), "--group-id", "com.acme");

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("motus serve start com.acme.hello.HelloAgent --module-path target/hello-agent.jar"), run.out());
        try (Stream<Path> files = Files.walk(project)) {
            assertEquals(List.of(".gitignore", "README.md", "mvnw", "pom.xml", "src/main/java/com/acme/hello/HelloAgent.java",
                            "src/main/java/module-info.java", "src/test/java/com/acme/hello/HelloAgentTest.java"),
                    files.filter(Files::isRegularFile).map(f -> project.relativize(f).toString()).sorted().toList());
        }
        assertTrue(Files.isExecutable(project.resolve("mvnw")), "./mvnw runs as it is");
        assertTrue(Files.readString(project.resolve("mvnw")).contains("-ge 21"), "the wrapper that looks for a JDK >= 21");
        assertTrue(run.out().contains("./mvnw package"), run.out());
        String pom = Files.readString(project.resolve("pom.xml"));
        assertTrue(pom.contains("<groupId>com.acme</groupId>"), pom);
        assertTrue(pom.contains("<maven.compiler.release>21</maven.compiler.release>"), pom);
        assertTrue(pom.contains("<version>" + Version.current() + "</version>"), "the API of this launcher's version");
        assertTrue(!pom.contains("<parent>") && !pom.contains("{{"), pom);
        assertEquals("""
                module com.acme.hello {
                    requires motus.serve.api;
                    exports com.acme.hello; // the server resolves the agent in this package
                }
                """, Files.readString(project.resolve("src/main/java/module-info.java")));
    }

    @Test
    void aPackageOfOnesOwnIsTaken() throws Exception {
        CliRun run = CliRun.motus("new", dir.resolve("weather").toString(), "--package", "org.acme.forecast");

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(Files.isRegularFile(dir.resolve("weather/src/main/java/org/acme/forecast/WeatherAgent.java")));
    }

    @Test
    void aFolderThatIsNotEmptyIsLeftAlone() throws Exception {
        Path project = Files.createDirectories(dir.resolve("busy"));
        Files.writeString(project.resolve("pom.xml"), "mine");

        CliRun run = CliRun.motus("new", project.toString());

        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("exists and is not empty"), run.err());
        assertEquals("mine", Files.readString(project.resolve("pom.xml")));
    }

    @Test
    void badNamesAreUsageErrorsAndWriteNothing() {
        CliRun badGroup = CliRun.motus("new", dir.resolve("ok").toString(), "--group-id", "com.acme-corp");
        assertEquals(2, badGroup.exitCode());
        assertTrue(badGroup.err().contains("group id 'com.acme-corp' must be a Java package name"), badGroup.err());

        CliRun badFolder = CliRun.motus("new", dir.resolve("My Agent").toString());
        assertEquals(2, badFolder.exitCode());
        assertTrue(badFolder.err().contains("artifact id 'My Agent' must be lower-case"), badFolder.err());
        assertTrue(Files.notExists(dir.resolve("ok")) && Files.notExists(dir.resolve("My Agent")));
    }
}
