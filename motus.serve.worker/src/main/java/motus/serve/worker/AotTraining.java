package motus.serve.worker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import motus.serve.api.ChatMessage;

/**
 * Records the AOT cache that workers start with: runs one real turn of an agent in a worker
 * started exactly as the server starts workers, and lets the JVM write what it loaded and
 * linked. The image build runs it with the echo example.
 *
 * <p>Usage: {@code java -m motus.serve.worker/motus.serve.worker.AotTraining <cache-file>
 * [--module-path P] [--class-path P] <agent-reference>}
 */
public final class AotTraining {

    private AotTraining() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: AotTraining <cache-file> [--module-path P] [--class-path P] <agent-reference>");
            System.exit(2);
        }
        Path output = Path.of(args[0]).toAbsolutePath();
        WorkerLauncher.Builder builder = WorkerLauncher.builder().aotCache(null);
        List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
        while (rest.size() > 2 && rest.getFirst().startsWith("--")) {
            String option = rest.removeFirst();
            List<Path> paths = PathList.parse(rest.removeFirst());
            switch (option) {
                case WorkerMain.MODULE_PATH -> builder.modulePath(paths);
                case WorkerMain.CLASS_PATH -> builder.classPath(paths);
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }
        WorkerLauncher launcher = builder.agent(rest.getFirst()).build();

        Files.deleteIfExists(output);
        WorkerProcess worker = launcher.startTraining(output);
        worker.awaitReady();
        WorkerAnswer outcome = worker.runTurn("aot-training", ChatMessage.user("hello"),
                List.of(ChatMessage.system("You are a training run.")), Map.of(), TurnListener.NONE);
        if (!(outcome instanceof WorkerAnswer.Success)) {
            fail("the training turn failed: " + outcome);
        }
        if (!worker.handle().onExit().get(5, TimeUnit.MINUTES).isAlive() && Files.isRegularFile(output)) {
            System.out.println("AOT cache for workers written to " + output + " (" + Files.size(output) / 1024 + " KiB)");
        } else {
            fail("the training worker wrote no AOT cache at " + output);
        }
    }

    private static void fail(String message) {
        System.err.println("AotTraining: " + message);
        System.exit(1);
    }
}
