package dev.agentauth.faults.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentauth.core.Secret;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.ScriptedBrowser;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.store.jdbc.TokenEncryption;
import dev.agentauth.store.jdbc.TokenStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * What the fault tests share: a real identity provider (mock-oauth2-server) behind a
 * {@link RotatingGateway}, a PostgreSQL database with the store's schema, replicas as child JVMs ({@link Replica}),
 * a shared {@link ToolLog} and gate directory, a scripted browser. Every replica a test starts is SIGKILLed after it,
 * pass or fail. Each class takes a database of its own ({@link #useDatabase}) on the test JVM's one PostgreSQL server
 * ({@link PgProcess#shared()}); a test that signals, stops or kills that server ({@link #server}) finds it running
 * again for the next test.
 */
public abstract class FaultTestBase {

    public static final URI REDIRECT = URI.create("https://agent.example.com/oauth/callback");

    protected static TestIdp idp;
    protected static RotatingGateway gateway;
    protected static String keyset;
    protected static String database;
    protected static String jdbcUrl;
    protected static DataSource db;
    protected static PgProcess server;
    protected static TokenStore store;

    protected final ScriptedBrowser browser = new ScriptedBrowser();
    protected final List<Replica> replicas = new CopyOnWriteArrayList<>();
    protected Path work;
    protected ToolLog toolLog;
    protected Path gates;
    protected Figures figures;

    @BeforeAll
    static void identityProvider() {
        idp = TestIdp.start(false); // the gateway rotates refresh tokens when a test wants it
        gateway = RotatingGateway.to(URI.create(idp.issuer()));
        keyset = TokenEncryption.generateKeyset();
    }

    /** A database of this class on the test JVM's PostgreSQL server, with the store's schema. */
    protected static void useDatabase(String name) {
        server = PgProcess.shared();
        server.ensureRunning();
        database = name;
        db = server.database(name);
        jdbcUrl = server.jdbcUrl(name);
        schema();
    }

    private static void schema() {
        store = openStore();
        sql(SharedChatMemory.TABLE_DDL);
    }

    /** The test's own view of the store: same database, same keyset, as a replica would open it. */
    protected static TokenStore openStore() {
        return TokenStores.postgres().jdbcUrl(jdbcUrl).connectionTimeout(Duration.ofSeconds(2))
                .encryption(TokenEncryption.fromJson(Secret.of(keyset))).build();
    }

    @AfterAll
    static void stopAll() {
        if (store != null) {
            store.close();
            store = null;
        }
        gateway.close();
        idp.close();
    }

    @BeforeEach
    void prepare(TestInfo test) throws IOException {
        work = Path.of("target", "fault-runs", getClass().getSimpleName(),
                test.getTestMethod().orElseThrow().getName()).toAbsolutePath();
        if (Files.exists(work)) {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(work);
        gates = Files.createDirectories(work.resolve("gates"));
        toolLog = new ToolLog(work.resolve("tools.log"));
        gateway.reset();
        server.ensureRunning();
        sql("TRUNCATE agentauth_grant, agentauth_consent, agentauth_consent_outcome, agentauth_interrupt, chat_memory");
    }

    @AfterEach
    void killReplicas() {
        if (figures != null) {
            figures.print();
        }
        for (Replica r : replicas) {
            if (r.alive()) {
                r.kill();
            }
        }
        replicas.clear();
        gateway.reset();
        server.ensureRunning();
    }

    // ------------------------------------------------------------------------------------------------- replicas

    /** A replica's configuration: the store on {@code storeUrl}, provider {@code corp} through the gateway, an agent. */
    protected ObjectNode config(String storeUrl) {
        ObjectNode c = Replica.JSON.createObjectNode().put("jdbcUrl", storeUrl).put("redirectUri", REDIRECT.toString())
                .put("connectionTimeoutMs", 2000);
        ArrayNode providers = c.putArray("providers");
        providers.addObject().put("id", "corp").put("displayName", "Corp Notes").put("issuer", idp.issuer())
                .put("tokenEndpoint", gateway.url(URI.create(idp.tokenEndpoint()).getPath()))
                .put("revocationEndpoint", gateway.url(URI.create(idp.revocationEndpoint()).getPath()))
                .put("clientId", "notes-agent").put("clientSecret", "notes-secret");
        c.putObject("agent").put("memory", "jdbc").put("memoryJdbcUrl", jdbcUrl)
                .put("toolLog", toolLog.file().toString()).put("gates", gates.toString());
        return c;
    }

    protected ObjectNode config() {
        return config(jdbcUrl);
    }

    /** Starts a replica and registers it for clean-up. */
    protected Replica replica(String name, ObjectNode config) {
        Replica r = Replica.start(name, config, keyset, work);
        replicas.add(r);
        return r;
    }

    protected Replica replica(String name) {
        return replica(name, config());
    }

    protected Figures figures(String item, TestInfo test) {
        figures = new Figures(item, test.getTestMethod().orElseThrow().getName());
        return figures;
    }

    /** Opens the gate a blocking tool waits on. */
    protected void openGate(String tool) {
        try {
            Files.writeString(gates.resolve(tool), "open");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // -------------------------------------------------------------------------------------------- consent helpers

    /** The user signs in at the authorization URL; the callback URI their browser would bring back. */
    protected URI signIn(String authorizationUrl, String user) {
        return browser.signIn(URI.create(authorizationUrl), user);
    }

    /** {@code user} consents: token() on {@code starter} asks, the browser signs in, {@code receiver} completes. */
    protected JsonNode consent(Replica starter, Replica receiver, String user) {
        JsonNode asked = starter.call("token", "user", user);
        if (!asked.path("outcome").asText().equals("consent")) {
            throw new AssertionError(user + " was expected to need a consent: " + asked);
        }
        JsonNode done = receiver.call("completeConsent", "callback", signIn(asked.get("authorizationUrl").asText(),
                user).toString(), "user", user);
        if (!done.path("status").asText().equals("COMPLETED")) {
            throw new AssertionError("consent of " + user + " did not complete: " + done);
        }
        JsonNode token = receiver.call("token", "user", user);
        if (!token.path("outcome").asText().equals("granted")) {
            throw new AssertionError("no token for " + user + " after consent: " + token);
        }
        return token;
    }

    /** A chat turn that must end with a consent interrupt; returns the interrupt. */
    protected JsonNode interruptOn(Replica replica, String conversation, String user, String message) {
        JsonNode answer = replica.call("chat", "conversation", conversation, "user", user, "message", message);
        if (!answer.path("outcome").asText().equals("interrupt")) {
            throw new AssertionError("expected a consent interrupt on " + replica.name() + ": " + answer);
        }
        return answer.get("interrupt");
    }

    protected static String authorizationUrl(JsonNode interrupt) {
        return interrupt.get("consents").get(0).get("authorizationUrl").asText();
    }

    protected static String outcome(JsonNode answer) {
        return answer.path("outcome").asText();
    }

    /** "error:ExceptionSimpleName[:REASON]", "granted:sub", "consent", "answer", ... — for figures and messages. */
    protected static String describe(JsonNode answer) {
        String o = outcome(answer);
        return switch (o) {
            case "error" -> "error:" + simpleName(answer.path("exception").asText())
                    + (answer.hasNonNull("reason") ? ":" + answer.get("reason").asText() : "");
            case "granted" -> "granted:" + answer.path("sub").asText();
            case "callback" -> "callback:" + answer.path("status").asText();
            default -> o;
        };
    }

    protected static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    // ---------------------------------------------------------------------------------------------------- SQL

    protected static void sql(String statement) {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(statement + ": " + e.getMessage(), e);
        }
    }

    protected static int update(String statement, Object... params) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(statement)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(statement + ": " + e.getMessage(), e);
        }
    }

    protected static long count(String query, Object... params) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(query)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(query + ": " + e.getMessage(), e);
        }
    }

    protected static List<String> strings(String query, Object... params) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(query)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(query + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------------------------------------------- time

    /** Polls {@code condition} every 50 ms; the milliseconds it took to hold, or -1 if it did not within {@code max}. */
    protected static long awaitMillis(Duration max, BooleanSupplier condition) {
        long start = System.nanoTime();
        long deadline = start + max.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            PgProcess.sleep(50);
        }
        return condition.getAsBoolean() ? (System.nanoTime() - start) / 1_000_000 : -1;
    }

    protected static void sleep(long millis) {
        PgProcess.sleep(millis);
    }

    protected static ObjectNode object() {
        return Replica.JSON.createObjectNode();
    }

    protected static long millisSince(long nanoTime) {
        return (System.nanoTime() - nanoTime) / 1_000_000;
    }
}
