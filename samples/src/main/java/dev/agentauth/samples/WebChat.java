package dev.agentauth.samples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.core.ConsentCallbackResult;
import dev.agentauth.core.GrantInfo;
import dev.agentauth.core.ProviderId;
import dev.agentauth.langchain4j.AuthenticatedAgent;
import dev.agentauth.langchain4j.PrincipalResolver;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.invocation.InvocationParameters;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's web chat: a page (plain HTML, CSS and JavaScript from the class path) and a small JSON API on a JDK
 * {@link HttpServer}.
 *
 * <ul>
 *   <li>{@code POST /login} (a name) sets a session cookie. The chat user — the principal of every tool call — comes
 *       from that cookie only, never from a message.</li>
 *   <li>{@code POST /api/chat} streams the answer as server-sent events ({@code token} events, then {@code reply})
 *       or ends with a consent interrupt (the card); {@code POST /api/resume} continues the interrupted turn once
 *       the popup has completed the consent, streaming too; {@code POST /api/decline} ("Not now") declines its
 *       consents and continues without them.</li>
 *   <li>{@code GET /api/history}: the conversation and the open cards, for a reloaded page.</li>
 *   <li>{@code GET /oauth/callback} is the OAuth redirect URI: the broker completes the consent for the signed-in user
 *       and the page tells its opener and closes itself.</li>
 *   <li>{@code GET /api/accounts} and {@code POST /api/disconnect}: the connected accounts panel.</li>
 * </ul>
 *
 * No token reaches the browser: the page sees consent URLs, tool answers and grant metadata only.
 */
public final class WebChat implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebChat.class);
    private static final String COOKIE = "agentauth_demo_session";
    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9._-]{1,32}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(16);
    private final String origin;
    private final Map<String, String> sessions = new ConcurrentHashMap<>();   // session id -> user
    private final Map<String, Object> turnLocks = new ConcurrentHashMap<>();  // one turn at a time per user
    private final SecureRandom random = new SecureRandom();
    private DemoEnvironment demo;
    private AuthenticatedAgent agent;
    private DemoAssistant assistant;

    private WebChat(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 64);
        server.setExecutor(threads);
        origin = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Starts the demo environment and the chat on {@code port} (0: any free port). */
    public static WebChat start(int port, Map<String, String> env) throws IOException {
        WebChat chat = new WebChat(port);
        try {
            chat.demo = DemoEnvironment.start(URI.create(chat.origin + "/oauth/callback"), env);
            chat.agent = chat.demo.agent().build();               // ConsentMode.INTERRUPT: the page shows cards
            chat.assistant = chat.agent.aiService(DemoAssistant.class);
        } catch (RuntimeException e) {
            chat.close();
            throw e;
        }
        chat.routes();
        chat.server.start();
        return chat;
    }

    /** Where to open the chat. */
    public URI uri() {
        return URI.create(origin + "/");
    }

    public DemoEnvironment environment() {
        return demo;
    }

    private void routes() {
        server.createContext("/", ex -> handle(ex, this::page));
        server.createContext("/login", ex -> handle(ex, this::login));
        server.createContext("/logout", ex -> handle(ex, this::logout));
        server.createContext("/oauth/callback", ex -> handle(ex, this::callback));
        server.createContext("/api/", ex -> handle(ex, this::api));
    }

    // ---- pages -------------------------------------------------------------------------------------------------

    private void page(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String host = ex.getRequestHeaders().getFirst("Host");
        if (!origin.equals("http://" + host)) {
            // one origin only, so the session cookie also reaches the OAuth callback
            redirect(ex, origin + path);
            return;
        }
        String resource = path.equals("/") ? "index.html" : path.substring(1);
        if (!resource.matches("[a-z-]+\\.(html|js|css)")) {
            send(ex, 404, "text/plain", "not found");
            return;
        }
        try (InputStream in = WebChat.class.getResourceAsStream("/webchat/" + resource)) {
            if (in == null) {
                send(ex, 404, "text/plain", "not found");
                return;
            }
            String type = resource.endsWith(".html") ? "text/html" : resource.endsWith(".js") ? "text/javascript"
                    : "text/css";
            send(ex, 200, type + "; charset=utf-8", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private void login(HttpExchange ex) throws IOException {
        if (!"POST".equals(ex.getRequestMethod()) || !sameOrigin(ex)) {
            send(ex, 405, "text/plain", "POST the login form");
            return;
        }
        String name = form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), "name");
        if (name == null || !USER_NAME.matcher(name).matches()) {
            redirect(ex, "/?error=name");
            return;
        }
        byte[] id = new byte[24];
        random.nextBytes(id);
        String session = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
        sessions.put(session, name);
        ex.getResponseHeaders().add("Set-Cookie", COOKIE + "=" + session + "; Path=/; HttpOnly; SameSite=Lax");
        redirect(ex, "/");
    }

    private void logout(HttpExchange ex) throws IOException {
        if (!"POST".equals(ex.getRequestMethod()) || !sameOrigin(ex)) {
            send(ex, 405, "text/plain", "POST to sign out");
            return;
        }
        String session = sessionId(ex);
        if (session != null) {
            sessions.remove(session);
        }
        ex.getResponseHeaders().add("Set-Cookie", COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
        redirect(ex, "/");
    }

    /** The OAuth redirect URI: the broker checks state, PKCE, issuer and that the consent is this user's. */
    private void callback(HttpExchange ex) throws IOException {
        String user = user(ex);
        ConsentCallbackResult result;
        if (user == null) {
            result = null;
        } else {
            URI callback = URI.create(origin + "/oauth/callback"
                    + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()));
            result = demo.broker().completeConsent(callback, user);
        }
        String status = result == null ? "NOT_SIGNED_IN" : result.status().name();
        String message = result == null ? "Sign in to the chat first." : result.userMessage();
        send(ex, result != null ? result.httpStatus() : 400, "text/html; charset=utf-8", """
                <!doctype html><html><head><meta charset="utf-8"><title>Authorization</title>
                <link rel="stylesheet" href="/style.css"></head>
                <body class="callback" data-status="%s"><p id="message">%s</p><p>You can close this window.</p>
                <script src="/callback.js"></script></body></html>""".formatted(status, escape(message)));
    }

    // ---- JSON API ----------------------------------------------------------------------------------------------

    private void api(HttpExchange ex) throws IOException {
        String user = user(ex);
        if (user == null) {
            json(ex, 401, JSON.createObjectNode().put("type", "error").put("text", "sign in first"));
            return;
        }
        String path = ex.getRequestURI().getPath();
        if ("GET".equals(ex.getRequestMethod())) {
            switch (path) {
                case "/api/me" -> json(ex, 200, JSON.createObjectNode().put("user", user)
                        .put("model", demo.modelLabel()));
                case "/api/accounts" -> json(ex, 200, accounts(user));
                case "/api/history" -> json(ex, 200, history(user));
                default -> send(ex, 404, "text/plain", "not found");
            }
            return;
        }
        // JSON bodies and a same-origin check: a cross-site form cannot post here
        String contentType = ex.getRequestHeaders().getFirst("Content-Type");
        if (!"POST".equals(ex.getRequestMethod()) || contentType == null
                || !contentType.startsWith("application/json") || !sameOrigin(ex)) {
            send(ex, 400, "text/plain", "POST JSON from the chat page");
            return;
        }
        JsonNode body = JSON.readTree(ex.getRequestBody());
        Object lock = turnLocks.computeIfAbsent(user, k -> new Object());   // one turn at a time per user
        switch (path) {
            case "/api/chat" -> ChatEvents.stream(ex, lock, user, () -> assistant.stream(conversation(user),
                    body.path("message").asText(), InvocationParameters.from(PrincipalResolver.USER, user)));
            case "/api/resume" -> ChatEvents.stream(ex, lock, user,
                    () -> agent.resume(body.path("interruptId").asText(), user));
            case "/api/decline" -> ChatEvents.stream(ex, lock, user,
                    () -> agent.decline(body.path("interruptId").asText(), user));
            case "/api/disconnect" -> {
                int removed = demo.broker().disconnect(ProviderId.of(body.path("provider").asText()), user);
                demo.closeMcpSessions(user);
                json(ex, 200, JSON.createObjectNode().put("removed", removed));
            }
            default -> send(ex, 404, "text/plain", "not found");
        }
    }

    /** What a reloaded page shows again: the conversation so far and the cards still open. */
    private ObjectNode history(String user) throws IOException {
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode messages = answer.putArray("messages");
        for (ChatMessage m : agent.chatMemory(conversation(user)).messages()) {
            if (m instanceof UserMessage u && u.hasSingleText()) {
                messages.addObject().put("role", "user").put("text", u.singleText());
            } else if (m instanceof AiMessage ai && !ai.hasToolExecutionRequests() && ai.text() != null) {
                messages.addObject().put("role", "agent").put("text", ai.text());
            }
        }
        ArrayNode cards = answer.putArray("interrupts");
        for (ConsentInterrupt i : agent.pendingInterrupts(user)) {
            cards.add(JSON.readTree(i.toJson()));
        }
        return answer;
    }

    /** The connected accounts: one row per provider, with the account and every scope granted there. */
    private ObjectNode accounts(String user) {
        Map<String, ObjectNode> byProvider = new java.util.LinkedHashMap<>();
        Map<String, java.util.Set<String>> scopes = new java.util.HashMap<>();
        for (GrantInfo grant : demo.broker().grants(user)) {
            String provider = grant.provider().value();
            ObjectNode g = byProvider.computeIfAbsent(provider, p -> JSON.createObjectNode().put("provider", p)
                    .put("displayName", demo.broker().provider(grant.provider()).displayName()));
            if (grant.account() != null && !g.hasNonNull("account")) {
                String name = grant.account().email() != null ? grant.account().email() : grant.account().username();
                g.put("account", name);
            }
            scopes.computeIfAbsent(provider, p -> new java.util.TreeSet<>()).addAll(grant.scopes().values());
        }
        ArrayNode list = JSON.createArrayNode();
        byProvider.forEach((provider, g) -> {
            ArrayNode s = g.putArray("scopes");
            scopes.get(provider).stream().filter(x -> !x.equals("openid") && !x.equals("offline_access"))
                    .forEach(s::add);
            list.add(g);
        });
        ObjectNode answer = JSON.createObjectNode();
        answer.set("accounts", list);
        return answer;
    }

    private static String conversation(String user) {
        return "web:" + user;
    }

    // ---- plumbing ----------------------------------------------------------------------------------------------

    private interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    private static void handle(HttpExchange ex, Handler handler) {
        try (ex) {
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            ex.getResponseHeaders().set("Referrer-Policy", "same-origin"); // keeps Origin on our own POSTs
            ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
            handler.handle(ex);
        } catch (IOException | RuntimeException e) {
            log.warn("{} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), e.toString());
        }
    }

    private String user(HttpExchange ex) {
        String session = sessionId(ex);
        return session == null ? null : sessions.get(session);
    }

    private static String sessionId(HttpExchange ex) {
        for (String header : ex.getRequestHeaders().getOrDefault("Cookie", java.util.List.of())) {
            for (String cookie : header.split(";")) {
                String c = cookie.strip();
                if (c.startsWith(COOKIE + "=")) {
                    return c.substring(COOKIE.length() + 1);
                }
            }
        }
        return null;
    }

    private boolean sameOrigin(HttpExchange ex) {
        String o = ex.getRequestHeaders().getFirst("Origin");
        return o == null || o.equals(origin);
    }

    private static String form(String body, String name) {
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8).strip();
            }
        }
        return null;
    }

    private static void json(HttpExchange ex, int status, JsonNode body) throws IOException {
        send(ex, status, "application/json", JSON.writeValueAsString(body));
    }

    private static void redirect(HttpExchange ex, String location) throws IOException {
        ex.getResponseHeaders().set("Location", location);
        ex.sendResponseHeaders(303, -1);
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
        if (demo != null) {
            demo.close();
        }
    }
}
