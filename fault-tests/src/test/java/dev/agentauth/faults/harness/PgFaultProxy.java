package dev.agentauth.faults.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 in front of PostgreSQL, one pair of threads per connection, that breaks the wire the way
 * networks and crashes do — below JDBC, so the store's own code is what is tested:
 *
 * <ul>
 *   <li>{@link Mode#PASS}: bytes both ways, untouched;</li>
 *   <li>{@link Mode#DROP_ACK}: when a client→server packet contains the armed byte pattern (e.g. the SQL text
 *       {@code INSERT INTO agentauth_interrupt}), the packet is forwarded and the server answers — so it commits — but
 *       the answer is swallowed (up to the server's ReadyForQuery) and both sockets are cut: the client sees its
 *       statement fail although it committed. One shot: the proxy passes again afterwards;</li>
 *   <li>{@link Mode#BLACK_HOLE}: new connections are accepted and read, and nothing is forwarded or answered.</li>
 * </ul>
 *
 * It counts connections and matches. Thread-safe.
 */
public final class PgFaultProxy implements AutoCloseable {

    public enum Mode { PASS, DROP_ACK, BLACK_HOLE }

    /** PostgreSQL's ReadyForQuery message header: 'Z', length 5. */
    private static final byte[] READY_FOR_QUERY = {'Z', 0, 0, 0, 5};

    private final ServerSocket server;
    private final int targetPort;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "pg-fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger matched = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private volatile Mode mode = Mode.PASS;
    private volatile byte[] pattern;
    private final AtomicBoolean armed = new AtomicBoolean();
    private volatile boolean closed;

    private PgFaultProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 64, InetAddress.getByName("127.0.0.1"));
        pool.execute(this::accept);
    }

    /** A proxy to PostgreSQL on 127.0.0.1:{@code targetPort}. */
    public static PgFaultProxy to(int targetPort) {
        try {
            return new PgFaultProxy(targetPort);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code jdbcUrl} with its port replaced by the proxy's. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database + "?user=postgres";
    }

    public void pass() {
        mode = Mode.PASS;
        armed.set(false);
    }

    /** The next client packet containing {@code sqlText} commits, and its answer never reaches the client. */
    public void dropAckOf(String sqlText) {
        pattern = sqlText.getBytes(StandardCharsets.UTF_8);
        armed.set(true);
        mode = Mode.DROP_ACK;
    }

    /** New connections are accepted and then hear nothing. */
    public void blackHole() {
        mode = Mode.BLACK_HOLE;
    }

    public int connections() {
        return connections.get();
    }

    /** How many client packets matched the armed pattern. */
    public int matched() {
        return matched.get();
    }

    /** How many server answers were swallowed. */
    public int dropped() {
        return dropped.get();
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            connections.incrementAndGet();
            open.add(client);
            if (mode == Mode.BLACK_HOLE) {
                pool.execute(() -> drain(client));
                continue;
            }
            pool.execute(() -> connect(client));
        }
    }

    private void connect(Socket client) {
        Socket upstream;
        try {
            upstream = new Socket(InetAddress.getByName("127.0.0.1"), targetPort);
        } catch (IOException e) {
            closeQuietly(client);
            return;
        }
        open.add(upstream);
        Connection c = new Connection(client, upstream);
        pool.execute(c::clientToServer);
        pool.execute(c::serverToClient);
    }

    /** One proxied connection. */
    private final class Connection {
        final Socket client;
        final Socket upstream;
        volatile boolean swallowNextAnswer;

        Connection(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void clientToServer() {
            byte[] buf = new byte[64 * 1024];
            byte[] tail = new byte[0]; // the end of the previous read, so a pattern split across reads is found
            try (InputStream in = client.getInputStream(); OutputStream out = upstream.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    byte[] p = pattern;
                    if (mode == Mode.DROP_ACK && p != null && armed.get()) {
                        byte[] window = new byte[tail.length + n];
                        System.arraycopy(tail, 0, window, 0, tail.length);
                        System.arraycopy(buf, 0, window, tail.length, n);
                        if (indexOf(window, window.length, p) >= 0 && armed.compareAndSet(true, false)) {
                            matched.incrementAndGet();
                            swallowNextAnswer = true;
                        }
                        int keep = Math.min(window.length, p.length - 1);
                        tail = java.util.Arrays.copyOfRange(window, window.length - keep, window.length);
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // either side went away
            } finally {
                closeQuietly(client);
                closeQuietly(upstream);
            }
        }

        void serverToClient() {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = upstream.getInputStream(); OutputStream out = client.getOutputStream()) {
                int n;
                java.io.ByteArrayOutputStream swallowed = null;
                while ((n = in.read(buf)) > 0) {
                    if (swallowNextAnswer) {
                        // The server answered the matched statement: it has run (and, in auto-commit, committed).
                        // Keep reading until its ReadyForQuery, then cut both sockets without a byte of it relayed.
                        if (swallowed == null) {
                            swallowed = new java.io.ByteArrayOutputStream();
                            upstream.setSoTimeout(3_000);
                        }
                        swallowed.write(buf, 0, n);
                        byte[] all = swallowed.toByteArray();
                        if (indexOf(all, all.length, READY_FOR_QUERY) >= 0) {
                            dropped.incrementAndGet();
                            client.setSoLinger(true, 0); // RST: the client learns nothing more
                            closeQuietly(client);
                            closeQuietly(upstream);
                            return;
                        }
                        continue;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                if (swallowNextAnswer) {
                    dropped.incrementAndGet();
                }
            } finally {
                closeQuietly(client);
                closeQuietly(upstream);
            }
        }
    }

    private void drain(Socket client) {
        byte[] buf = new byte[8192];
        try (InputStream in = client.getInputStream()) {
            while (in.read(buf) >= 0) {
                // read and forget: the client waits for an answer that never comes
            }
        } catch (IOException e) {
            // closed
        } finally {
            closeQuietly(client);
        }
    }

    static int indexOf(byte[] data, int length, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    /** Cuts every connection made so far (without changing the mode). */
    public void cutAll() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        cutAll();
        pool.shutdownNow();
    }

    @Override
    public String toString() {
        return "PgFaultProxy[127.0.0.1:" + port() + " -> 127.0.0.1:" + targetPort + ", " + mode + "]";
    }
}
