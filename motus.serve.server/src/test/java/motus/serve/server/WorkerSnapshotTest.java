package motus.serve.server;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import motus.serve.worker.WorkerSnapshot;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers restored from a snapshot (CRIU): every turn is a copy of one prepared worker, in a pid
 * namespace of its own, that shares nothing with the others; the JDK's generators differ per
 * copy; the agent's hook runs once in each; and everything a turn does (events, interrupts,
 * cancel, timeouts, crashes, the agent's output in the log, a sandbox's environment, session
 * isolation) works as with fresh JVMs. Needs CRIU 4.1 or newer, as root ({@code .ci/run}
 * installs it): elsewhere these tests are skipped, saying what is missing.
 */
class WorkerSnapshotTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String AGENT = "motus.serve.testagents.SnapshotAgent";
    private static final String TAKEN = "worker snapshot taken in";

    @TempDir
    Path dir;

    @BeforeAll
    static void criuWorksHere() {
        String missing = WorkerSnapshot.unavailable();
        assumeTrue(missing == null, () -> "worker snapshots cannot be tested here: " + missing);
    }

    private static AgentServer.Builder restoring(String... jvmOptions) {
        return TestAgents.builder().agent(AGENT).modulePath(List.of(TestAgents.modulePath()))
                .workerSnapshots(WorkerSnapshots.ON).workerJvmOptions(List.of(jvmOptions));
    }

    /** Each server takes its own: on PostgreSQL (the postgres-contract run) two replicas, two snapshots. */
    private static void awaitSnapshot(LogLines log, RunningServer server) {
        TestAgents.await("the snapshot is taken", DEADLINE,
                () -> log.lines().stream().filter(l -> l.startsWith(TAKEN)).count() >= server.replicas().size());
    }

    @Test
    void everyTurnIsAFreshCopyOfThePreparedWorkerWithItsOwnRandomnessAndItsHookRunOnce() throws IOException {
        Path restoredFile = dir.resolve("restored");
        try (LogLines log = new LogLines();
             RunningServer server = RunningServer.start(restoring("-Dmotus.test.restored=" + restoredFile).prewarm(1))) {
            awaitSnapshot(log, server);
            Api api = server.api();
            Set<String> randoms = new HashSet<>();
            Set<String> pids = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                String session = api.createSession();
                assertEquals("1", api.reply(session, "count"), "a static counter starts at 0 in every turn");
                assertEquals("1", api.reply(session, "hooks"), "restored() ran once in this copy");
                for (String number : api.reply(session, "random").split(" ")) {
                    assertTrue(randoms.add(number), "a UUID, ThreadLocalRandom, Math.random or new Random() repeated: "
                            + number);
                }
                ProcessHandle held = TestAgents.holdingWorker(api, session);
                assertTrue(pids.add(String.valueOf(held.pid())));
                assertThat("a copy is the init of a pid namespace of its own", nsPid(held), startsWith(held.pid() + "\t1"));
                api.post("/sessions/" + session + "/cancel", null).expect(200);
                TestAgents.await("the cancelled copy is gone", DEADLINE, () -> !held.isAlive());
            }
            List<String> hooks = Files.readAllLines(restoredFile);
            assertEquals(hooks.size(), Set.copyOf(hooks).size(), "the hook ran once per copy: " + hooks);
            assertTrue(hooks.size() >= 16, "every turn was a restored copy: " + hooks.size() + " hooks");
        }
        TestAgents.await("no worker is left", DEADLINE, () -> workers().isEmpty());
    }

    @Test
    void twoCopiesAtOnceShareNothingAndNoneOutlivesItsTurn() {
        try (LogLines log = new LogLines(); RunningServer server = RunningServer.start(restoring().maxWorkers(3))) {
            awaitSnapshot(log, server);
            Api api = server.api();
            String a = api.createSession();
            String b = api.createSession();
            ProcessHandle first = TestAgents.holdingWorker(api, a);
            ProcessHandle second = TestAgents.holdingWorker(api, b);
            assertNotEquals(first.pid(), second.pid());
            assertThat(nsPid(first), startsWith(first.pid() + "\t1"));
            assertThat(nsPid(second), startsWith(second.pid() + "\t1"));
            assertEquals("1", api.reply(api.createSession(), "count"), "a third session, while both hold");
            api.post("/sessions/" + a + "/cancel", null).expect(200);
            api.delete("/sessions/" + b).expect(204);
            TestAgents.await("both copies are gone", DEADLINE, () -> !first.isAlive() && !second.isAlive());

            String crashed = api.createSession();
            Api.Answer exited = api.turn(crashed, "exit 3");
            assertThat(exited.text("error"), startsWith("Worker process exited with code 3 before returning a result"));
            assertThat(api.turn(crashed, "halt 7").text("error"), startsWith("Worker process exited with code 7"));
            assertEquals("1", api.reply(crashed, "count"), "the session goes on");
        }
        TestAgents.await("no worker is left", DEADLINE, () -> workers().isEmpty());
    }

    @Test
    void eventsInterruptsOutputTimeoutsSandboxesAndSessionIsolationWorkInCopies() {
        try (LogLines log = new LogLines();
             RunningServer server = RunningServer.start(restoring().isolation(Isolation.SESSION).maxWorkers(2)
                     .timeout(Duration.ofSeconds(3)))) {
            awaitSnapshot(log, server);
            Api api = server.api();
            String a = api.createSession();
            assertEquals("1", api.reply(a, "count"));
            assertEquals("2", api.reply(a, "count"), "a session's copy serves its turns one after another");
            assertEquals("1", api.reply(api.createSession(), "count"), "never another session's");

            api.post("/sessions/" + a + "/messages", "{\"content\": \"ask\"}").expect(202);
            JsonNode interrupt = api.awaitInterrupt(a, DEADLINE);
            api.post("/sessions/" + a + "/resume", "{\"interrupt_id\": \"" + interrupt.path("interrupt_id").asText()
                    + "\", \"value\": \"blue\"}").expect(200);
            assertEquals("blue", api.awaitDone(a).body().at("/response/content").asText());

            assertEquals("printed 2", api.reply(a, "lines 2 COPYOUT"));
            TestAgents.await("the copy's output is in the log", DEADLINE,
                    () -> log.lines().stream().anyMatch(line -> line.endsWith("COPYOUT out 1")));

            String streamed = api.createSession();
            assertEquals("one two", api.reply(streamed, "stream one two"));

            Api.Answer slow = api.turn(api.createSession(), "sleep 30");
            assertThat(slow.text("error"), containsString("timed out"));

            String sandboxed = api.createSession();
            api.post("/sessions/" + sandboxed + "/messages", "{\"content\": \"env SANDBOX_URL\", \"user_params\":"
                    + " {\"sandbox_url\": \"http://sandbox.test\"}}").expect(202);
            assertEquals("http://sandbox.test", api.awaitDone(sandboxed).body().at("/response/content").asText(),
                    "a turn with an environment of its own gets a fresh JVM");
        }
        TestAgents.await("no worker is left", DEADLINE, () -> workers().isEmpty());
    }

    @Test
    void aConnectionThePreparationOpenedIsClosedInTheCopiesNotSharedByThem() throws IOException {
        try (ServerSocket listener = new ServerSocket(0);
             LogLines log = new LogLines();
             RunningServer server = RunningServer.start(restoring("-Dmotus.test.port=" + listener.getLocalPort()))) {
            Thread.ofVirtual().start(() -> {
                try (Socket accepted = listener.accept()) {
                    accepted.getInputStream().transferTo(accepted.getOutputStream()); // echoes to the template until closed
                } catch (IOException e) {
                    // closed by the test's end
                }
            });
            awaitSnapshot(log, server);
            Api api = server.api();
            assertThat(api.reply(api.createSession(), "connection"), startsWith("closed"));
        }
    }

    @Test
    void aCopyThatCannotBeRestoredFallsBackToAFreshJvmAndTheLogSaysSoOnce() throws IOException {
        try (LogLines log = new LogLines(); RunningServer server = RunningServer.start(restoring().prewarm(0))) {
            awaitSnapshot(log, server);
            for (Path images : snapshotImages()) {
                try (Stream<Path> files = Files.walk(images)) { // what a host that lost its tmpfs would see
                    for (Path file : files.filter(f -> f.getFileName().toString().startsWith("pages-")).toList()) {
                        Files.delete(file);
                    }
                }
            }
            Api api = server.api();
            String session = api.createSession();
            assertEquals("1", api.reply(session, "count"));
            assertEquals("0", api.reply(session, "hooks"), "a fresh JVM: no restore, no hook");
            assertEquals("1", api.reply(session, "count"));
            long said = log.lines().stream().filter(line -> line.startsWith("a worker could not be restored")).count();
            assertTrue(said >= 1 && said <= server.replicas().size(), "said once by each server that restored: "
                    + String.join("\n", log.lines()));
        }
    }

    @Test
    void theImagesOfAServerThatDiedWithoutRemovingThemAreRemovedByTheNextOne() throws Exception {
        Process gone = new ProcessBuilder("true").start(); // a pid that no process has any more
        gone.waitFor();
        Path stale = Files.createDirectories(Path.of("/dev/shm", "motus-snapshots-" + gone.pid() + "-1", "1"));
        Files.writeString(stale.resolve("pages-1.img"), "what a killed server left in memory");
        // Someone else's folder under a server's name: /dev/shm is everyone's, and a delete inside it could follow their symlinks.
        Path foreign = Files.createDirectories(Path.of("/dev/shm", "motus-snapshots-" + gone.pid() + "-2"));
        boolean root = System.getProperty("user.name").equals("root");
        if (root) {
            Files.setOwner(foreign, foreign.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        }
        try (LogLines log = new LogLines(); RunningServer server = RunningServer.start(restoring())) {
            awaitSnapshot(log, server);
            assertTrue(Files.notExists(stale.getParent()), "removed at start");
            assertEquals(root, Files.exists(foreign), "another user's folder is left alone");
            for (Path own : snapshotImages()) {
                assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(own)),
                        "no one else may replace the images a copy runs: " + own);
            }
            assertFalse(snapshotImages().isEmpty());
        } finally {
            Files.deleteIfExists(foreign);
        }
        assertTrue(snapshotImages().stream().noneMatch(Files::exists), "a server's own go when it stops");
    }

    /** The images of every server in this JVM. */
    private static List<Path> snapshotImages() throws IOException {
        try (Stream<Path> servers = Files.list(Path.of("/dev/shm"))) {
            return servers.filter(dir -> dir.getFileName().toString().startsWith("motus-snapshots-" + ProcessHandle.current().pid() + "-"))
                    .toList();
        }
    }

    /** The NSpid line of a process: its pid in each namespace, outermost first. */
    private static String nsPid(ProcessHandle process) {
        try {
            return Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status")).stream()
                    .filter(line -> line.startsWith("NSpid:")).findFirst().orElseThrow().substring("NSpid:".length()).strip();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A cancel as the copy is being restored, early and late in the restore: the turn ends, and
     * no part of the restore is left (a criu forked after the kill was orphaned, held the copy's
     * pipes open, and the turn waited for the copy for good: the CLI's cancel test hung on it
     * once; so did a copy criu had restored but not yet let go).
     */
    @Test
    void aTurnCancelledWhileItsCopyIsRestoredEndsAndNoRestoreOutlivesIt() {
        try (LogLines log = new LogLines(); RunningServer server = RunningServer.start(restoring().prewarm(0))) {
            awaitSnapshot(log, server);
            Api api = server.api();
            for (int i = 0; i < 10; i++) {
                String session = api.createSession();
                api.post("/sessions/" + session + "/messages", "{\"content\": \"sleep 30\"}").expect(202);
                TestAgents.await("criu restores the copy", DEADLINE, () -> restores().findAny().isPresent());
                if (i % 2 == 1) {
                    // Later in the restore: the copy exists, criu has not let it go yet (a copy left so,
                    // waiting on criu's futex for good, held the turn's pipe and hung it: seen in CI).
                    TestAgents.await("criu forks the copy", DEADLINE, () -> restores().allMatch(criu -> criu.children().findAny().isPresent()));
                }
                assertTimeoutPreemptively(DEADLINE, () -> api.post("/sessions/" + session + "/cancel", null),
                        "the cancel returns once the turn has ended");
            }
        }
        TestAgents.await("no restore is left", DEADLINE, () -> restores().findAny().isEmpty());
        TestAgents.await("no worker is left", DEADLINE, () -> workers().isEmpty());
    }

    /** This JVM's servers' criu processes, running or orphaned (then not its descendants). */
    private static Stream<ProcessHandle> restores() {
        String images = "/motus-snapshots-" + ProcessHandle.current().pid() + "-";
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(images));
    }

    /** Worker processes under this JVM at any depth: a copy is the child of the criu that restored it. */
    private static List<ProcessHandle> workers() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("motus.serve.worker.WorkerMain")).toList();
    }


}
