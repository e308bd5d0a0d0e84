package dev.agentauth.core.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import net.minidev.json.JSONObject;
import net.minidev.json.JSONValue;

/**
 * The user's phone, for OpenID CIBA on a real Keycloak: Keycloak's HTTP authentication channel
 * ({@code ciba-http-auth-channel}) posts each backchannel authentication request here, with a bearer token, and this
 * device answers as the user would — approve, deny, or never answer — by posting
 * {@code {"status": "SUCCEED" | "UNAUTHORIZED" | "CANCELLED"}} with that bearer to the realm's
 * {@code /protocol/openid-connect/ext/ciba/auth/callback} (Keycloak's documented channel contract). What the user does is
 * chosen per binding message ({@link #answer}); unknown messages are left unanswered. Every request Keycloak sent is
 * kept ({@link #requests()}), with what the user was shown. Loopback only; thread-safe.
 */
public final class CibaDevice implements AutoCloseable {

    /** What the user does on their device. */
    public enum Decision {
        APPROVE("SUCCEED"), DENY("UNAUTHORIZED"), IGNORE(null);

        final String status;

        Decision(String status) {
            this.status = status;
        }
    }

    /**
     * One request the device received.
     *
     * @param bindingMessage       the binding message shown on the device
     * @param loginHint            who Keycloak asked
     * @param authorizationDetails the {@code authorization_details} parameter as Keycloak passed it on, or {@code null}
     * @param receivedAtNanos      when it arrived ({@link System#nanoTime()})
     * @param answeredAtNanos      when the device posted its answer, or 0
     */
    public record Received(String bindingMessage, String loginHint, String authorizationDetails,
                           long receivedAtNanos, long answeredAtNanos) {
    }

    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ScheduledExecutorService answers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ciba-device");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Decision> decisions = new ConcurrentHashMap<>();
    /** The bearer of each request left unanswered, by binding message: the user may still answer it. */
    private final Map<String, String> unanswered = new ConcurrentHashMap<>();
    private final List<Received> requests = new CopyOnWriteArrayList<>();
    private volatile URI callback;
    private volatile BiPredicate<String, String> notifications = (authorization, body) -> false;
    private final List<Long> notifiedAtNanos = new CopyOnWriteArrayList<>();

    private CibaDevice() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/ciba", this::handle);
        server.createContext("/ping", this::notification);
        server.start();
    }

    static CibaDevice start() {
        return new CibaDevice();
    }

    /** Where Keycloak sends authentication requests. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ciba");
    }

    /** Where a ping-mode client's notifications go (CIBA Core §10.2): the application's endpoint, here. */
    public URI notificationUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ping");
    }

    /**
     * What the application does with a ping notification: {@code (Authorization header, body)} to whether it knew it
     * (then 204, else 401).
     */
    public void onNotification(BiPredicate<String, String> application) {
        this.notifications = application;
    }

    /** When ping notifications arrived ({@link System#nanoTime()}). */
    public List<Long> notifiedAtNanos() {
        return List.copyOf(notifiedAtNanos);
    }

    private void notification(HttpExchange exchange) throws IOException {
        notifiedAtNanos.add(System.nanoTime());
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        boolean known = notifications.test(exchange.getRequestHeaders().getFirst("Authorization"), body);
        exchange.sendResponseHeaders(known ? 204 : 401, -1);
        exchange.close();
    }

    void callback(URI callback) {
        this.callback = callback;
    }

    /** The user answers the request with this binding message so. */
    public void answer(String bindingMessage, Decision decision) {
        decisions.put(bindingMessage, decision);
    }

    /** The user now answers the request with this binding message, which they had left unanswered. */
    public void answerNow(String bindingMessage, Decision decision) {
        String bearer = unanswered.remove(bindingMessage);
        if (bearer == null) {
            throw new AssertionError("no unanswered request with binding message " + bindingMessage);
        }
        int index = -1;
        for (int i = 0; i < requests.size(); i++) {
            if (requests.get(i).bindingMessage().equals(bindingMessage)) {
                index = i;
            }
        }
        send(index, bearer, decision);
    }

    /** Every request received so far. */
    public List<Received> requests() {
        return List.copyOf(requests);
    }

    /** The request with this binding message, once it arrived (waits up to 30 s). */
    public Received awaitRequest(String bindingMessage) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (Received r : requests) {
                if (r.bindingMessage().equals(bindingMessage)) {
                    return r;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the device received no request with binding message " + bindingMessage);
    }

    private void handle(HttpExchange exchange) throws IOException {
        long received = System.nanoTime();
        String bearer = exchange.getRequestHeaders().getFirst("Authorization");
        JSONObject body = (JSONObject) JSONValue.parse(new String(exchange.getRequestBody().readAllBytes(),
                StandardCharsets.UTF_8));
        exchange.sendResponseHeaders(201, -1);
        exchange.close();
        String message = String.valueOf(body.get("binding_message"));
        // Keycloak passes the request's other parameters on as top-level members (its @JsonAnyGetter).
        Object details = body.get("authorization_details");
        Decision decision = decisions.getOrDefault(message, Decision.IGNORE);
        int index = requests.size();
        requests.add(new Received(message, String.valueOf(body.get("login_hint")),
                details == null ? null : details.toString(), received, 0));
        if (decision.status == null || bearer == null) {
            if (bearer != null) {
                unanswered.put(message, bearer);
            }
            return;
        }
        // Answered a moment later, as a user would: Keycloak has stored the request by then.
        answers.schedule(() -> send(index, bearer, decision), 200, TimeUnit.MILLISECONDS);
    }

    private void send(int index, String bearer, Decision decision) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(callback).header("Authorization", bearer)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers
                            .ofString("{\"status\":\"" + decision.status + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                System.err.println("ciba device: the callback answered HTTP " + r.statusCode());
            }
            Received was = requests.get(index);
            requests.set(index, new Received(was.bindingMessage(), was.loginHint(), was.authorizationDetails(),
                    was.receivedAtNanos(), System.nanoTime()));
        } catch (IOException e) {
            System.err.println("ciba device: the callback failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        answers.shutdownNow();
    }
}
