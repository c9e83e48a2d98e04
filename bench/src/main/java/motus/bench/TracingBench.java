package motus.bench;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What traces cost: the echo workload of {@link IsolationBench} (isolation per turn, {@code --workers 2})
 * against the same server with traces off and on, in alternating runs. On, every span goes over
 * OTLP http/protobuf to a collector's stand-in in this process, which answers as a collector does
 * and counts what it got; so the figure holds the SDK, the spans' trip through the worker's pipe,
 * and the export, but not a collector's own work.
 *
 * <p>With the launcher of another image (one built before traces existed, say), that image's server
 * runs the same workload too, in the same runs: what "off costs nothing" is measured against.
 *
 * <p>Usage (see bench/tracing.sh): {@code TracingBench <motus launcher> <echo jar> <agent> <out dir> <runs>
 * [other image's launcher]}.
 */
public final class TracingBench {

    private static final String OFF = "traces off";

    public static void main(String[] args) throws Exception {
        if (args.length != 5 && args.length != 6) {
            System.err.println("usage: TracingBench <motus launcher> <echo agent jar> <agent reference> <out dir> <runs>"
                    + " [another image's launcher]");
            System.exit(2);
        }
        AtomicLong exports = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        collector.createContext("/v1/traces", exchange -> {
            try (exchange) {
                bytes.addAndGet(exchange.getRequestBody().readAllBytes().length);
                exports.incrementAndGet();
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1);
            }
        });
        collector.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        collector.start();

        Path motus = Path.of(args[0]);
        Path jar = Path.of(args[1]);
        Path out = Path.of(args[3]);
        int runs = Integer.parseInt(args[4]);
        IsolationBench.Target off = IsolationBench.ours(OFF, motus, args[2], jar, 2, "turn");
        IsolationBench.Target on = new IsolationBench.Target("traces on", off.command(),
                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + collector.getAddress().getPort()));
        List<IsolationBench.Target> targets = new ArrayList<>(List.of(off, on));
        if (args.length == 6) {
            Path other = Path.of(args[5]);
            targets.add(IsolationBench.ours("other image", other, args[2],
                    other.getParent().getParent().resolve("examples/example-echo.jar"), 2, "turn"));
        }
        IsolationBench bench = new IsolationBench();
        for (int run = 1; run <= runs; run++) {
            for (IsolationBench.Target target : targets) {
                Path directory = out.resolve("run-" + run);
                Files.createDirectories(directory);
                bench.measure(target, directory.resolve(target.name().replace(' ', '-') + ".log"));
            }
            System.out.println("### run " + run + " of " + runs);
            bench.print(targets, run - 1, null); // the first, traces off, is what the ratios divide by
        }
        System.out.println("### median of " + runs + " runs");
        bench.print(targets, -1, null);
        System.out.printf("the collector got %,d exports, %,d bytes in all%n", exports.get(), bytes.get());
        collector.stop(0);
    }
}
