package motus.serve.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import motus.serve.cli.starter.Starter;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code motus new}: a standalone agent project to start from. */
@Command(name = "new",
        // The first line is the whole summary: `motus --help` lists commands by their first line.
        description = {"Create an agent project to start from.",
                "A Maven project of its own with a module, one agent, its test, and a README with the commands",
                "that build and serve it."})
final class NewCommand implements Callable<Integer> {

    @Spec
    @Nullable CommandSpec spec;

    @Parameters(paramLabel = "DIRECTORY", description = "a new or empty folder; its name is the artifact id")
    @Nullable Path directory;

    @Option(names = "--group-id", paramLabel = "ID", defaultValue = "com.example",
            description = "the project's Maven groupId (default: ${DEFAULT-VALUE})")
    String groupId = "com.example";

    @Option(names = "--package", paramLabel = "NAME",
            description = "the agent's package and module (default: <group-id>.<folder name>)")
    @Nullable String packageName;

    @Override
    public Integer call() throws Exception {
        CommandSpec command = Objects.requireNonNull(spec);
        Path folder = Objects.requireNonNull(directory);
        Starter starter;
        try {
            Starter named = Starter.of(folder, groupId);
            starter = packageName == null ? named
                    : new Starter(folder, named.groupId(), named.artifactId(), packageName);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command.commandLine(), e.getMessage());
        }
        List<Path> files = starter.write();
        var out = command.commandLine().getOut();
        out.println("Created " + folder + " (" + files.size() + " files): agent " + starter.agentReference());
        out.println();
        out.println("  cd " + folder);
        out.println("  ./mvnw package      # Maven with the newest JDK >= 21 it finds");
        out.println("  motus serve start " + starter.agentReference() + " --module-path target/" + starter.artifactId() + ".jar");
        out.println();
        out.println("It needs io.motus.serve:motus.serve.api in your Maven repository; see " + folder.resolve("README.md") + ".");
        return 0;
    }
}
