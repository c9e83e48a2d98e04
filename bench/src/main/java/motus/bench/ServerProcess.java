package motus.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A {@code motus serve start} process, and what /proc says about it and its workers: RSS,
 * the CPU time of the workers it has reaped, and the peak RSS of every worker seen alive.
 */
final class ServerProcess implements AutoCloseable {

    private static final Pattern URL = Pattern.compile("http://[^\\s:]+:(\\d+)");
    private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux x86-64

    final Process process;
    final int port;
    private final Map<Long, Long> workerPeakKib = new ConcurrentHashMap<>();
    private final Map<Long, String> workerCommands = new ConcurrentHashMap<>();
    private final List<String> lines;
    private final Thread sampler;
    private volatile boolean sampling = true;

    private ServerProcess(Process process, int port, List<String> lines) {
        this.process = process;
        this.port = port;
        this.lines = lines;
        this.sampler = Thread.ofPlatform().daemon().name("worker-sampler").start(this::sampleWorkers);
    }

    static ServerProcess start(List<String> command, Path log) throws IOException, InterruptedException {
        return start(command, Map.of(), log);
    }

    /** Starts the server with {@code environment} added to this process's, and waits until it listens. */
    static ServerProcess start(List<String> command, Map<String, String> environment, Path log)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        CountDownLatch listening = new CountDownLatch(1);
        int[] port = {-1};
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 var out = Files.newBufferedWriter(log)) {
                for (String line; (line = output.readLine()) != null; ) {
                    out.write(line);
                    out.newLine();
                    lines.add(line);
                    Matcher url = URL.matcher(line);
                    if (port[0] < 0 && url.find()) {
                        port[0] = Integer.parseInt(url.group(1));
                        listening.countDown();
                    }
                }
            } catch (IOException e) {
                // the server is gone
            }
            listening.countDown();
        });
        if (!listening.await(120, TimeUnit.SECONDS) || port[0] < 0) {
            process.destroyForcibly();
            throw new IllegalStateException("the server did not start; see " + log);
        }
        return new ServerProcess(process, port[0], lines);
    }

    /**
     * Waits until the server has logged a line containing {@code fragment}.
     *
     * @throws IllegalStateException if it has not within {@code seconds}
     */
    void awaitLogged(String fragment, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (lines.stream().noneMatch(line -> line.contains(fragment))) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("the server did not log '" + fragment + "' within " + seconds + " s");
            }
            Thread.sleep(50); // a poll interval
        }
    }

    long rssKib() {
        return statusField(process.pid(), "VmRSS:");
    }

    /** CPU seconds of the children the server has reaped: its finished workers. */
    double reapedChildrenCpuSeconds() {
        long[] ticks = cpuTicks();
        return (ticks[2] + ticks[3]) / (double) CLOCK_TICKS_PER_SECOND;
    }

    /**
     * CPU seconds of the whole process tree so far: the server, every child it has reaped, and
     * the live ones (workers kept between turns, spares) with their own reaped children.
     */
    double liveTreeCpuSeconds() {
        long ticks = 0;
        for (long pid : Stream.concat(Stream.of(process.pid()), process.descendants().map(ProcessHandle::pid)).toList()) {
            try {
                long[] own = cpuTicks(pid);
                ticks += own[0] + own[1] + own[2] + own[3];
            } catch (IllegalStateException e) {
                // exited since it was listed: its ticks are in its parent's reaped children now, or will be
            }
        }
        return ticks / (double) CLOCK_TICKS_PER_SECOND;
    }

    private long[] cpuTicks() {
        return cpuTicks(process.pid());
    }

    /** utime, stime, cutime, cstime of /proc/PID/stat. */
    private static long[] cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after the command: state(0) ... utime is field 14 of stat, index 11 here; stime, cutime, cstime follow
            return new long[] {Long.parseLong(fields[11]), Long.parseLong(fields[12]),
                    Long.parseLong(fields[13]), Long.parseLong(fields[14])};
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Peak RSS, in KiB, of every worker seen so far. */
    List<Double> workerPeaksKib() {
        return workerPeakKib.values().stream().map(Long::doubleValue).toList();
    }

    /** The command line of a live worker, as the server started it. */
    List<String> workerCommand() {
        return workerCommands.values().stream().findFirst()
                .map(cmd -> List.of(cmd.split("\0")))
                .orElseThrow(() -> new IllegalStateException("no worker seen yet"));
    }

    void resetWorkerPeaks() {
        workerPeakKib.clear();
    }

    Set<Long> liveWorkers() {
        return Set.copyOf(process.toHandle().children().map(ProcessHandle::pid).toList());
    }

    private void sampleWorkers() {
        while (sampling) {
            process.toHandle().children().forEach(child -> {
                // Until the fork has exec'd, /proc shows the server's own command and memory: skip it.
                String command = workerCommands.computeIfAbsent(child.pid(), pid -> {
                    String line = cmdline(pid);
                    return line.contains("motus.serve.worker.WorkerMain") ? line : null;
                });
                long hwm = command == null ? 0 : statusField(child.pid(), "VmHWM:");
                if (hwm > 0) {
                    workerPeakKib.merge(child.pid(), hwm, Math::max);
                }
            });
            try {
                Thread.sleep(5); // a sampling period
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static String cmdline(long pid) {
        try {
            String raw = Files.readString(Path.of("/proc", String.valueOf(pid), "cmdline"));
            return raw.endsWith("\0") ? raw.substring(0, raw.length() - 1) : raw;
        } catch (IOException e) {
            return "";
        }
    }

    private static long statusField(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).replace("kB", "").strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process is gone
        }
        return 0;
    }

    @Override
    public void close() throws InterruptedException {
        sampling = false;
        sampler.interrupt();
        process.destroy(); // SIGTERM: the graceful path
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    static List<String> command(Path motus, String agent, Path agentPath, int workers, int prewarm) {
        List<String> command = new ArrayList<>(List.of(motus.toString(), "serve", "start", agent,
                "--module-path", agentPath.toString(), "--host", "127.0.0.1", "--port", "0",
                "--workers", String.valueOf(workers), "--prewarm", String.valueOf(prewarm), "--log-level", "warning"));
        return command;
    }
}
