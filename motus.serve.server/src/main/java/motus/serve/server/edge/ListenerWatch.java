package motus.serve.server.edge;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Notices when the server's port refuses connections while the server runs, and asks for a new
 * listener. Helidon 4.5.0 ends its accept loop for good when an accept fails (the process out of
 * file descriptors, say), and its listener thread then blocks on itself, so no stop hook ever runs:
 * a connection to one's own port is the one sure sign. The connection limit keeps this rare; this
 * covers descriptors used up elsewhere or a limit lowered while running.
 */
public final class ListenerWatch implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("motus.serve");
    private static final long PERIOD_MILLIS = 2000;
    private static final int CONNECT_TIMEOUT_MILLIS = 1000;

    private final InetSocketAddress address;
    private final Runnable relisten;
    private final ScheduledFuture<?> checks;

    /**
     * @param host the host the server listens on; a wildcard is probed on loopback
     * @param relisten starts a new listener on the same port; it may fail and is then tried again
     */
    public ListenerWatch(String host, int port, Runnable relisten, ScheduledExecutorService timer) {
        this.address = new InetSocketAddress(probeHost(host), port);
        this.relisten = relisten;
        this.checks = timer.scheduleWithFixedDelay(this::check, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void check() {
        try (Socket socket = new Socket()) {
            socket.connect(address, CONNECT_TIMEOUT_MILLIS);
            return;
        } catch (ConnectException refused) {
            // the listener is gone
        } catch (IOException | RuntimeException unknown) {
            return; // busy (a full backlog times out), or this process is out of descriptors itself: look again later
        }
        try {
            relisten.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not listen again on port {0,number,#}, trying again in {1} ms: {2}",
                    address.getPort(), PERIOD_MILLIS, e.toString());
        }
    }

    private static InetAddress probeHost(String host) {
        try {
            InetAddress address = InetAddress.getByName(host);
            return address.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : address;
        } catch (IOException e) {
            return InetAddress.getLoopbackAddress();
        }
    }

    @Override
    public void close() {
        checks.cancel(false);
    }
}
