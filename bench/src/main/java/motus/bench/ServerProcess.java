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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    private final Thread sampler;
    private volatile boolean sampling = true;

    private ServerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
        this.sampler = Thread.ofPlatform().daemon().name("worker-sampler").start(this::sampleWorkers);
    }

    static ServerProcess start(List<String> command, Path log) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CountDownLatch listening = new CountDownLatch(1);
        int[] port = {-1};
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 var out = Files.newBufferedWriter(log)) {
                for (String line; (line = lines.readLine()) != null; ) {
                    out.write(line);
                    out.newLine();
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
        return new ServerProcess(process, port[0]);
    }

    long rssKib() {
        return statusField(process.pid(), "VmRSS:");
    }

    /** CPU seconds of the children the server has reaped: its finished workers. */
    double reapedChildrenCpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after the command: state(0) ... cutime is field 16 of stat, index 13 here; cstime 14
            return (Long.parseLong(fields[13]) + Long.parseLong(fields[14])) / (double) CLOCK_TICKS_PER_SECOND;
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
