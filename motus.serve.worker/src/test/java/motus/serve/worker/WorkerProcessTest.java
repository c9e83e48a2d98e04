package motus.serve.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import motus.serve.api.ChatMessage;
import org.junit.jupiter.api.Test;

/** The server's view of one worker process, against stand-in processes that get the protocol right and wrong. */
class WorkerProcessTest {


    private static final long MAX_RESULT_BYTES = 1 << 20;

    @Test
    void aWorkerThatAnswersGivesItsReplyAndState() throws Exception {
        WorkerProcess worker = start("echo");
        worker.awaitReady();
        assertFalse(worker.startupTime().isNegative());
        WorkerAnswer answer = worker.runTurn("s1", ChatMessage.user("hi"), List.of(ChatMessage.system("sys")), TurnListener.NONE);
        WorkerAnswer.Success success = assertInstanceOf(WorkerAnswer.Success.class, answer);
        assertEquals(ChatMessage.user("hi"), success.response());
        assertEquals(List.of(ChatMessage.system("sys")), success.state());
        assertTrue(worker.handle().onExit().get(10, TimeUnit.SECONDS).pid() > 0);
    }

    @Test
    void strayOutputBeforeReadyIsAProtocolErrorAndTheWorkerIsKilled() throws Exception {
        WorkerProcess worker = start("garbage");
        WorkerStartException error = assertThrows(WorkerStartException.class, worker::awaitReady);
        assertTrue(error.getMessage().startsWith("the worker broke the protocol: unexpected bytes"), error.getMessage());
        worker.handle().onExit().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aWorkerThatDiesBeforeReadySaysHowAndWhatItPrintedLast() {
        WorkerProcess worker = start("die");
        WorkerStartException error = assertThrows(WorkerStartException.class, worker::awaitReady);
        assertEquals("the worker exited with code 7 before it was ready: first line | Exception in thread main: boom",
                error.getMessage());
    }

    @Test
    void anAnswerOverTheLimitFailsTheTurnAndKillsTheWorker() throws Exception {
        WorkerProcess worker = start("oversized");
        worker.awaitReady();
        WorkerAnswer answer = worker.runTurn("s1", ChatMessage.user("hi"), List.of(), TurnListener.NONE);
        assertEquals(new WorkerAnswer.Failure("Agent result too large: 50000000 bytes (limit " + MAX_RESULT_BYTES + ")"),
                answer);
        worker.handle().onExit().get(10, TimeUnit.SECONDS);
    }

    @Test
    void killEndsATurnThatIsWaitingForItsAnswer() throws Exception {
        WorkerProcess worker = start("silent"); // reads the request, then never answers
        worker.awaitReady();
        var turn = CompletableFuture.supplyAsync(() -> worker.runTurn("s1", ChatMessage.user("hi"), List.of(), TurnListener.NONE),
                Executors.newVirtualThreadPerTaskExecutor());
        worker.kill();
        assertEquals(new WorkerAnswer.Failure("Worker process was killed"), turn.get(10, TimeUnit.SECONDS));
    }

    private static WorkerProcess start(String script) {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ScriptedWorker.class.getName(), script);
        try {
            return new WorkerProcess(new ProcessBuilder(command).start(), "test", System.currentTimeMillis(), MAX_RESULT_BYTES,
                    System.Logger.Level.INFO, false, null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
