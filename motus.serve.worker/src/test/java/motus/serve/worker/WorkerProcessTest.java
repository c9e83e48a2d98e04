package motus.serve.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import motus.serve.api.ChatMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's view of one worker process, against stand-in processes that get the protocol right and wrong. */
class WorkerProcessTest {


    private static final long MAX_RESULT_BYTES = 1 << 20;

    @Test
    void aWorkerThatAnswersGivesItsReplyAndState() throws Exception {
        WorkerProcess worker = start("echo");
        worker.awaitReady();
        assertFalse(worker.startupTime().isNegative());
        WorkerAnswer answer = worker.runTurn("s1", ChatMessage.user("hi"), List.of(ChatMessage.system("sys")), Map.of(), TurnListener.NONE);
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
        WorkerAnswer answer = worker.runTurn("s1", ChatMessage.user("hi"), List.of(), Map.of(), TurnListener.NONE);
        assertEquals(new WorkerAnswer.Failure("Agent result too large: 50000000 bytes (limit " + MAX_RESULT_BYTES + ")"),
                answer);
        worker.handle().onExit().get(10, TimeUnit.SECONDS);
    }

    @Test
    void killEndsATurnThatIsWaitingForItsAnswer() throws Exception {
        WorkerProcess worker = start("silent"); // reads the request, then never answers
        worker.awaitReady();
        var turn = CompletableFuture.supplyAsync(() -> worker.runTurn("s1", ChatMessage.user("hi"), List.of(), Map.of(), TurnListener.NONE),
                Executors.newVirtualThreadPerTaskExecutor());
        worker.kill();
        assertEquals(new WorkerAnswer.Failure("Worker process was killed"), turn.get(10, TimeUnit.SECONDS));
    }

    /**
     * A copy killed while criu restores it: a process of the restore that the kill could not find
     * among the descendants (orphaned already, as a criu forked just after the kill looked) still
     * holds the worker's pipes; it is found by the restore's log path on its command line and
     * killed, so that whoever waits for the copy stops waiting.
     */
    @Test
    void killEndsARestoreAndWhatItOrphaned(@TempDir Path dir) throws Exception {
        Path restoreLog = dir.resolve("7.log");
        // The parenthesised perl is orphaned at once, with our stdout, like such a criu; neither ever exits.
        Process restore = new ProcessBuilder("sh", "-c", "(perl -e 'sleep 300' \"$0\" &); exec sleep 300",
                restoreLog.toString()).start();
        WorkerProcess copy = new WorkerProcess(restore, "copy", System.currentTimeMillis(), MAX_RESULT_BYTES,
                System.Logger.Level.INFO, false, restoreLog);
        var ready = CompletableFuture.runAsync(() -> assertThrows(WorkerStartException.class, copy::awaitReady),
                Executors.newVirtualThreadPerTaskExecutor());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (restoring(restoreLog).findAny().isEmpty()) { // a poll for the orphan, not a wait for the kill
            assertTrue(System.nanoTime() < deadline, "the stand-in restore did not start");
            Thread.sleep(10);
        }
        copy.kill();
        ready.get(30, TimeUnit.SECONDS); // the pipe closed: the wait for the copy ended
        assertEquals(0, restoring(restoreLog).filter(ProcessHandle::isAlive).count(), "nothing of the restore is left");
    }

    /**
     * A copy that criu had restored when the kill came, orphaned with the pipes before the kill
     * looked for descendants and with nothing of the restore's on its command line, exits at the
     * end of its input, as a worker does: the kill closes it.
     */
    @Test
    void killClosesTheInputOfACopyThatEscapedIt(@TempDir Path dir) throws Exception {
        Path restoreLog = dir.resolve("8.log");
        Path orphanPid = dir.resolve("orphan.pid");
        // The parenthesised cat is orphaned at once with our stdin (through fd 3: sh gives a background
        // job /dev/null for its stdin) and stdout, and reads until its input ends.
        Process restore = new ProcessBuilder("sh", "-c", "exec 3<&0; (sh -c 'echo $$ > \"$1\"; exec cat <&3 3<&-' orphan \"$0\" &);"
                + " exec sleep 300 3<&-", orphanPid.toString()).start();
        WorkerProcess copy = new WorkerProcess(restore, "copy", System.currentTimeMillis(), MAX_RESULT_BYTES,
                System.Logger.Level.INFO, false, restoreLog);
        var ready = CompletableFuture.runAsync(() -> assertThrows(WorkerStartException.class, copy::awaitReady),
                Executors.newVirtualThreadPerTaskExecutor());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(orphanPid) || Files.readString(orphanPid).isBlank()) { // a poll for the orphan
            assertTrue(System.nanoTime() < deadline, "the stand-in copy did not start");
            Thread.sleep(10);
        }
        ProcessHandle orphan = ProcessHandle.of(Long.parseLong(Files.readString(orphanPid).strip())).orElseThrow();
        // The wait for the copy blocked in its read: that read holds the stream's lock, which the JDK's
        // reaper needs to close stdout, and it closes the process's stdin only after that (the CI run's hang).
        while (!aReaderWaitsInRead()) {
            assertTrue(System.nanoTime() < deadline, "the wait for the copy never reached its read");
            Thread.sleep(10); // a poll interval
        }
        try {
            copy.kill();
            orphan.onExit().get(10, TimeUnit.SECONDS); // its input ended, so it exited, with our stdout
        } finally {
            orphan.destroyForcibly(); // without the fix: what ends the test's own wait
        }
        ready.get(30, TimeUnit.SECONDS); // the pipe closed: the wait for the copy ended
    }

    private static boolean aReaderWaitsInRead() {
        return Thread.getAllStackTraces().values().stream().anyMatch(stack -> stack.length > 0
                && stack[0].getMethodName().startsWith("read")
                && java.util.Arrays.stream(stack).anyMatch(frame -> frame.getMethodName().contains("awaitFrame")));
    }

    private static java.util.stream.Stream<ProcessHandle> restoring(Path restoreLog) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains(restoreLog.toString())).orElse(false));
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
