package dev.agentauth.faults.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.core.AccessToken;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.AuditEvent;
import dev.agentauth.core.ConsentCallbackResult;
import dev.agentauth.core.ConsentFailedException;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.ConsentPrompt;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.GrantInfo;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderBuilder;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenBrokerBuilder;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.langchain4j.AuthenticatedAgent;
import dev.agentauth.langchain4j.PrincipalResolver;
import dev.agentauth.langchain4j.testing.ScriptedChatModel;
import dev.agentauth.langchain4j.testing.ScriptedChatModel.Call;
import dev.agentauth.store.jdbc.PostgresTokenStoreBuilder;
import dev.agentauth.store.jdbc.TokenEncryption;
import dev.agentauth.store.jdbc.TokenStores;
import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A replica of an agent application, run as a child JVM by {@link Replica}: a {@link TokenBroker} on the PostgreSQL
 * store (keyset from the environment variable {@code AGENT_AUTH_KEYSET}), providers on the test identity provider
 * (or a gateway in front of it), and an {@link AuthenticatedAgent} with a scripted model, the {@link FaultTools} and
 * chat memory shared with the other replicas. Its configuration is the JSON in {@code FAULT_REPLICA_CONFIG}.
 *
 * <p>Protocol: one JSON object per line. The replica writes {@code {"event":"ready",...}} once started; then each line
 * on stdin is a command {@code {"id":n,"cmd":"...",...}}, run on a thread of its own, and answered by one line
 * {@code {"id":n,"outcome":"...","elapsedMs":...}} on stdout. Outcomes: {@code granted} (token fingerprint and
 * {@code sub}, never the token), {@code consent} (consent id, authorization URL), {@code answer}, {@code interrupt},
 * {@code callback}, {@code grants}, {@code interrupts}, {@code ok}, or {@code error} (exception class name, message,
 * retryable, reason). Everything else the process prints — logs included — goes to stderr. End of stdin ends the
 * process.
 */
public final class ReplicaMain {

    static final ObjectMapper JSON = new ObjectMapper();

    /** What the scripted model does for each user message. */
    static final Map<String, List<Call>> SCRIPT = Map.of(
            "list my notes", List.of(new Call("listNotes", "{}")),
            "slow notes", List.of(new Call("slowNotes", "{}")),
            "notes after the archive", List.of(new Call("waitGate", "{}"), new Call("listNotes", "{}")));

    private final JsonNode config;
    private final String name;
    private final PrintStream protocol;
    private final OffsetClock clock = new OffsetClock();
    private final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "replica-command");
        t.setDaemon(true);
        return t;
    });
    private final ObjectNode options = JSON.createObjectNode();
    private final ObjectNode timings = JSON.createObjectNode();
    private TokenBroker broker;
    private AuthenticatedAgent agent;
    private Assistant assistant;

    private ReplicaMain(JsonNode config, PrintStream protocol) {
        this.config = config;
        this.name = config.path("name").asText("replica");
        this.protocol = protocol;
    }

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err); // nothing but answers on the protocol stream
        ReplicaMain replica = new ReplicaMain(JSON.readTree(System.getenv("FAULT_REPLICA_CONFIG")), protocol);
        replica.build();
        ObjectNode ready = JSON.createObjectNode().put("event", "ready").put("pid", ProcessHandle.current().pid())
                .put("name", replica.name).put("startupMs", (System.nanoTime() - started) / 1_000_000)
                .put("jvmUptimeMs", ManagementFactory.getRuntimeMXBean().getUptime());
        ready.set("options", replica.options);
        ready.set("timings", replica.timings);
        replica.write(ready);
        replica.serve();
    }

    private void build() {
        PostgresTokenStoreBuilder store = TokenStores.postgres().jdbcUrl(config.path("jdbcUrl").asText())
                .encryption(TokenEncryption.fromEnvironment("AGENT_AUTH_KEYSET"));
        if (config.hasNonNull("connectionTimeoutMs")) {
            store.connectionTimeout(Duration.ofMillis(config.get("connectionTimeoutMs").asLong()));
        }
        if (config.hasNonNull("lockTimeoutMs")) {
            store.lockTimeout(Duration.ofMillis(config.get("lockTimeoutMs").asLong()));
        }
        if (config.hasNonNull("statementTimeoutMs")) {
            store.statementTimeout(Duration.ofMillis(config.get("statementTimeoutMs").asLong()));
            options.put("statementTimeout", true);
        }
        long t0 = System.nanoTime();
        dev.agentauth.core.store.TokenStore tokenStore = store.build();
        timings.put("storeMs", (System.nanoTime() - t0) / 1_000_000);
        t0 = System.nanoTime();
        TokenBrokerBuilder b = TokenBroker.builder().tokenStore(tokenStore).clock(clock)
                .redirectUri(URI.create(config.path("redirectUri").asText("https://agent.example.com/oauth/callback")))
                .readTimeout(Duration.ofMillis(config.path("readTimeoutMs").asLong(30_000)))
                .auditListener(audit::add);
        for (JsonNode p : config.path("providers")) {
            ProviderBuilder pb = Provider.oauth2(p.get("id").asText()).displayName(p.path("displayName")
                    .asText(p.get("id").asText())).issuer(p.get("issuer").asText())
                    .clientId(p.get("clientId").asText()).clientSecret(p.get("clientSecret").asText())
                    .defaultScopes(p.path("scopes").isMissingNode() ? new String[] {"openid"}
                            : JSON.convertValue(p.get("scopes"), String[].class));
            if (p.hasNonNull("tokenEndpoint")) {
                pb.tokenEndpoint(p.get("tokenEndpoint").asText());
            }
            if (p.hasNonNull("revocationEndpoint")) {
                pb.revocationEndpoint(p.get("revocationEndpoint").asText());
            }
            if (p.path("device").asBoolean(false)) {
                pb.deviceAuthorization(true);
            }
            b.provider(pb.build());
        }
        broker = b.build();
        timings.put("brokerMs", (System.nanoTime() - t0) / 1_000_000);
        t0 = System.nanoTime();
        JsonNode a = config.path("agent");
        if (a.isMissingNode() || a.isNull()) {
            return;
        }
        ChatMemoryStore memory = a.path("memory").asText("jdbc").equals("files")
                ? SharedChatMemory.files(Path.of(a.get("memoryDir").asText()))
                : SharedChatMemory.jdbc(a.path("memoryJdbcUrl").asText(config.path("jdbcUrl").asText()));
        AuthenticatedAgent.Builder ab = AuthenticatedAgent.builder().broker(broker)
                .chatModel(new ScriptedChatModel(SCRIPT)).clock(clock)
                .tools(new FaultTools(name, new ToolLog(Path.of(a.get("toolLog").asText())),
                        Path.of(a.get("gates").asText())))
                .chatMemoryProvider(id -> MessageWindowChatMemory.builder().id(id).maxMessages(100)
                        .chatMemoryStore(memory).build())
                .consentMode(ConsentMode.valueOf(a.path("consentMode").asText("INTERRUPT")));
        if (a.path("concurrentTools").asBoolean(false)) {
            ab.executeToolsConcurrently();
        }
        if (a.hasNonNull("resumeRecovery")) {
            ab.resumeRecovery(dev.agentauth.agent.ResumeRecovery.valueOf(a.get("resumeRecovery").asText()));
            options.put("resumeRecovery", true);
        }
        if (a.hasNonNull("resumeLeaseMs")) {
            ab.resumeLease(Duration.ofMillis(a.get("resumeLeaseMs").asLong()));
            options.put("resumeLease", true);
        }
        agent = ab.build();
        assistant = agent.aiService(Assistant.class);
        timings.put("agentMs", (System.nanoTime() - t0) / 1_000_000);
    }

    private void serve() throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode command = JSON.readTree(line);
            workers.execute(() -> run(command));
        }
        // The test is gone: so is this replica.
        System.err.println("replica " + name + ": stdin closed, exiting");
        Runtime.getRuntime().halt(0);
    }

    private void run(JsonNode command) {
        long start = System.nanoTime();
        ObjectNode answer;
        try {
            answer = execute(command);
        } catch (ConsentInterruptException e) {
            answer = interrupt(e.interrupt());
        } catch (Throwable t) {
            answer = error(t);
        }
        answer.put("id", command.path("id").asLong());
        answer.put("elapsedMs", (System.nanoTime() - start) / 1_000_000);
        write(answer);
        if (command.path("cmd").asText().equals("exit")) {
            try {
                broker.close();
            } finally {
                System.exit(0); // an orderly exit: a class-data archive being recorded is written now
            }
        }
    }

    private ObjectNode execute(JsonNode c) throws Exception {
        String cmd = c.path("cmd").asText();
        switch (cmd) {
            case "ping", "exit":
                return ok();
            case "token":
                return result(broker.token(request(c)));
            case "awaitToken": {
                AccessToken token = broker.awaitToken(request(c), Duration.ofMillis(c.path("timeoutMs").asLong()));
                return granted(token.value());
            }
            case "awaitConsent": {
                try {
                    AccessToken token = broker.consentCompletion(new ConsentId(c.get("consentId").asText()))
                            .get(c.path("timeoutMs").asLong(), TimeUnit.MILLISECONDS);
                    return granted(token.value());
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
            }
            case "grants": {
                ArrayNode list = JSON.createArrayNode();
                for (GrantInfo g : broker.grants(c.get("user").asText())) {
                    list.addObject().put("provider", g.provider().value()).put("user", g.principal().user())
                            .put("agent", g.principal().agent()).put("flow", g.flow().name())
                            .put("scopes", g.scopes().join(" "))
                            .put("accountSubject", g.connectedAccount().map(x -> x.subject()).orElse(null));
                }
                ObjectNode out = outcome("grants");
                out.set("grants", list);
                return out;
            }
            case "disconnect":
                return outcome("ok").put("removed", broker.disconnect(ProviderId.of(c.path("provider").asText("corp")),
                        c.get("user").asText()));
            case "completeConsent": {
                URI callback = URI.create(c.get("callback").asText());
                ConsentCallbackResult r = c.hasNonNull("user") ? broker.completeConsent(callback, c.get("user").asText())
                        : broker.completeConsent(callback);
                return outcome("callback").put("status", r.status().name()).put("userMessage", r.userMessage())
                        .put("consentId", r.consentId() == null ? null : r.consentId().value());
            }
            case "chat":
                return outcome("answer").put("text", assistant.chat(c.get("conversation").asText(),
                        c.get("message").asText(), as(c.get("user").asText())));
            case "resume":
                return outcome("answer").put("text", String.valueOf(agent.<Object>resume(c.get("interruptId").asText(),
                        c.get("user").asText())));
            case "decline":
                return outcome("answer").put("text", String.valueOf(agent.<Object>decline(
                        c.get("interruptId").asText(), c.get("user").asText())));
            case "pendingInterrupts": {
                ArrayNode list = JSON.createArrayNode();
                for (ConsentInterrupt i : agent.pendingInterrupts(c.get("user").asText())) {
                    list.add(interruptJson(i));
                }
                ObjectNode out = outcome("interrupts");
                out.set("interrupts", list);
                return out;
            }
            case "interrupt": {
                ObjectNode out = outcome("interrupts");
                ArrayNode list = out.putArray("interrupts");
                agent.interrupt(c.get("interruptId").asText()).ifPresent(i -> list.add(interruptJson(i)));
                return out;
            }
            case "advanceClock":
                clock.advance(Duration.ofSeconds(c.get("seconds").asLong()));
                return ok();
            case "audit": {
                ArrayNode list = JSON.createArrayNode();
                for (AuditEvent e : audit) {
                    list.addObject().put("type", e.type().name())
                            .put("user", e.principal() == null ? null : e.principal().user())
                            .put("provider", e.provider() == null ? null : e.provider().value())
                            .put("detail", e.detail())
                            .put("consentId", e.consentId() == null ? null : e.consentId().value());
                }
                ObjectNode out = outcome("audit");
                out.set("events", list);
                return out;
            }
            default:
                throw new IllegalArgumentException("unknown command " + cmd);
        }
    }

    private static TokenRequest request(JsonNode c) {
        String[] scopes = c.has("scopes") ? JSON.convertValue(c.get("scopes"), String[].class) : new String[0];
        return TokenRequest.forUser(c.path("provider").asText("corp"), c.get("user").asText(), scopes);
    }

    private static InvocationParameters as(String user) {
        return InvocationParameters.from(PrincipalResolver.USER, user);
    }

    private ObjectNode result(TokenResult r) {
        if (r instanceof TokenResult.Granted g) {
            return granted(g.token().value());
        }
        ConsentRequirement c = ((TokenResult.ConsentRequired) r).consent();
        ObjectNode out = outcome("consent").put("consentId", c.id().value())
                .put("authorizationUrl", c.authorizationUri().toString()).put("expiresAt", c.expiresAt().toString());
        if (c.prompt() instanceof ConsentPrompt.DeviceCode d) {
            out.put("userCode", d.userCode())
                .put("verificationUriComplete", d.verificationUriComplete() == null ? null
                        : d.verificationUriComplete().toString())
                    .put("intervalMs", d.interval().toMillis());
        }
        return out;
    }

    private static ObjectNode granted(String token) {
        return outcome("granted").put("fingerprint", Tokens.fingerprint(token)).put("sub", Tokens.subject(token));
    }

    private static ObjectNode interrupt(ConsentInterrupt i) {
        ObjectNode out = outcome("interrupt");
        out.set("interrupt", interruptJson(i));
        return out;
    }

    private static ObjectNode interruptJson(ConsentInterrupt i) {
        ObjectNode n = JSON.createObjectNode().put("id", i.id()).put("user", i.user());
        ArrayNode consents = n.putArray("consents");
        for (ConsentInterrupt.Consent c : i.consents()) {
            consents.addObject().put("consentId", c.consentId()).put("provider", c.provider())
                    .put("authorizationUrl", c.authorizationUrl());
        }
        ArrayNode waiting = n.putArray("waiting");
        i.waitingToolCalls().forEach(w -> waiting.add(w.toolName()));
        return n;
    }

    static ObjectNode error(Throwable t) {
        Throwable e = t;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        ObjectNode out = outcome("error").put("exception", e.getClass().getName())
                .put("message", String.valueOf(e.getMessage()));
        if (e instanceof AgentAuthException a) {
            out.put("retryable", a.retryable()).put("oauthError", a.oauthError());
        }
        if (e instanceof ResumeRejectedException r) {
            out.put("reason", r.reason().name());
        } else if (e instanceof ConsentFailedException f) {
            out.put("reason", f.reason().name());
        } else if (e instanceof TimeoutException) {
            out.put("reason", "TIMEOUT");
        }
        ArrayNode causes = out.putArray("causes");
        for (Throwable x = e.getCause(); x != null && causes.size() < 5; x = x.getCause()) {
            causes.add(x.getClass().getName() + ": " + x.getMessage());
        }
        return out;
    }

    private static ObjectNode outcome(String outcome) {
        return JSON.createObjectNode().put("outcome", outcome);
    }

    private static ObjectNode ok() {
        return outcome("ok");
    }

    private synchronized void write(ObjectNode line) {
        protocol.println(line.toString());
        protocol.flush();
    }
}
