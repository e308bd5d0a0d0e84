package dev.agentauth.core.internal;

import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.ConsentCallbackResult;
import dev.agentauth.core.TokenBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in OAuth callback for CLIs and local agents (RFC 8252 §7.3): listens on 127.0.0.1 only, answers exactly
 * one path with GET, hands the callback to the broker and shows the user a success or failure page.
 *
 * <p>Built on plain sockets, one short-lived thread per connection, so that one slow or hostile local client never
 * blocks another: each connection must deliver its request head within {@link #REQUEST_DEADLINE} (a read that stalls
 * for {@link #READ_TIMEOUT} ends it sooner), the head is at most {@link #MAX_HEAD_BYTES}, every answer closes the
 * connection (no keep-alive, so nothing idles), and at most {@link #MAX_CONNECTIONS} are served at once — past that a
 * connection gets 503 at once. No request line, and so no code or state, is ever logged. Thread-safe.
 */
final class LoopbackCallbackServer {

    private static final Logger log = LoggerFactory.getLogger(LoopbackCallbackServer.class);

    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    static final Duration REQUEST_DEADLINE = Duration.ofSeconds(10);
    static final int MAX_HEAD_BYTES = 16 * 1024;
    static final int MAX_CONNECTIONS = 128;

    private final ServerSocket socket;
    private final URI redirectUri;
    private final String path;
    private final TokenBroker broker;
    private final ExecutorService connections;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private volatile boolean stopped;

    private LoopbackCallbackServer(ServerSocket socket, String path, TokenBroker broker) {
        this.socket = socket;
        this.path = path;
        this.broker = broker;
        this.redirectUri = URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
        AtomicInteger n = new AtomicInteger();
        ThreadFactory daemons = r -> {
            Thread t = new Thread(r, "agent-auth-callback-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.connections = Executors.newCachedThreadPool(daemons);
    }

    static LoopbackCallbackServer start(int port, String path, TokenBroker broker) {
        ServerSocket socket;
        try {
            // RFC 8252 §8.3: bind the loopback interface only, never all interfaces.
            socket = new ServerSocket(port, 64, InetAddress.getByName("127.0.0.1"));
        } catch (IOException e) {
            throw new ConfigurationException("cannot start the loopback OAuth callback on 127.0.0.1:" + port + " ("
                    + e.getMessage() + "); choose another port or 0 for a random one");
        }
        LoopbackCallbackServer server = new LoopbackCallbackServer(socket, path, broker);
        Thread acceptor = new Thread(server::accept, "agent-auth-callback-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        log.info("OAuth callback listening at {}", server.redirectUri);
        return server;
    }

    URI redirectUri() {
        return redirectUri;
    }

    void stop() {
        stopped = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
        // A callback still writing its page finishes on its own thread; nothing new is accepted.
        connections.shutdown();
    }

    private void accept() {
        while (!stopped) {
            Socket s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                if (!stopped) {
                    log.warn("OAuth callback: accepting a connection failed: {}", e.getClass().getSimpleName());
                    pause(); // e.g. out of file descriptors: do not spin
                }
                continue;
            }
            if (!slots.tryAcquire()) {
                // Answered here, not on a new thread: a flood past the limit must not create threads. The answer
                // is a few hundred bytes, so the write lands in the socket buffer and does not block.
                refuseBusy(s);
                continue;
            }
            try {
                connections.execute(() -> {
                    try {
                        serve(s);
                    } finally {
                        slots.release();
                    }
                });
            } catch (RuntimeException e) {
                slots.release();
                closeQuietly(s);
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            String requestLine = readHead(s);
            if (requestLine == null) {
                return; // timed out, too large or closed: nothing to answer
            }
            OutputStream out = s.getOutputStream();
            String[] parts = requestLine.split(" ");
            if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
                respond(out, 400, "Bad request", "This is the agent's sign-in callback.", null);
                return;
            }
            URI requested;
            try {
                requested = URI.create(parts[1]);
            } catch (IllegalArgumentException e) {
                respond(out, 400, "Bad request", "This is the agent's sign-in callback.", null);
                return;
            }
            if (!path.equals(requested.getRawPath())) {
                respond(out, 404, "Not found", "Nothing here.", null);
                return;
            }
            if (!"GET".equals(parts[0])) {
                respond(out, 405, "Method not allowed", "Use GET.", "Allow: GET\r\n");
                return;
            }
            String query = requested.getRawQuery();
            URI callback = URI.create(redirectUri + (query != null ? "?" + query : ""));
            ConsentCallbackResult result;
            try {
                result = broker.completeConsent(callback);
            } catch (RuntimeException e) {
                log.warn("OAuth callback failed: {}", e.getClass().getName());
                respond(out, 500, "Sign-in failed", "The agent could not finish the sign-in. Try again.", null);
                return;
            }
            int status = result.httpStatus();
            respond(out, status, status == 200 ? "Connected" : status == 202 ? "Almost connected"
                    : status == 503 ? "Try again in a moment" : "Sign-in failed", result.userMessage(), null);
        } catch (IOException e) {
            log.debug("OAuth callback: connection ended early ({})", e.getClass().getSimpleName());
        }
    }

    /**
     * The request line, once the whole head (up to the blank line) has arrived in time; {@code null} when it does not.
     * The socket timeout is shortened as the deadline nears, so a client trickling bytes cannot hold the thread longer.
     */
    private static String readHead(Socket s) throws IOException {
        long deadline = System.nanoTime() + REQUEST_DEADLINE.toNanos();
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        try {
            while (matched < 4) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0 || head.size() >= MAX_HEAD_BYTES) {
                    return null;
                }
                s.setSoTimeout((int) Math.min(left, READ_TIMEOUT.toMillis()));
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.write(b);
                matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
        } catch (SocketTimeoutException e) {
            return null;
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.indexOf("\r\n"));
    }

    private static void refuseBusy(Socket s) {
        try (s) {
            respond(s.getOutputStream(), 503, "Busy", "Too many connections; try again.", "Retry-After: 1\r\n");
        } catch (IOException ignored) {
            // the client went away
        }
    }

    private static void respond(OutputStream out, int status, String title, String message, String extraHeaders)
            throws IOException {
        String html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + escape(title)
                + "</title></head><body style=\"font-family:sans-serif;max-width:32em;margin:4em auto\"><h1>"
                + escape(title) + "</h1><p>" + escape(message) + "</p></body></html>";
        byte[] body = html.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\n"
                + "Content-Type: text/html; charset=utf-8\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "Cache-Control: no-store\r\n"
                // The URL carried a code: do not leak it to other sites through Referer.
                + "Referrer-Policy: no-referrer\r\n"
                + "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\n"
                + "X-Content-Type-Options: nosniff\r\n"
                + (extraHeaders != null ? extraHeaders : "")
                + "Connection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 202 -> "Accepted";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 503 -> "Service Unavailable";
            default -> "Internal Server Error";
        };
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
