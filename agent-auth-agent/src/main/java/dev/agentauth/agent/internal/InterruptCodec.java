package dev.agentauth.agent.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.agent.spi.Continuation;
import dev.agentauth.agent.spi.ToolResult;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.Approval;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.ConsentPrompt;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.store.StoredInterrupt;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * An interrupted turn to and from the JSON payload of a {@link StoredInterrupt}, so any replica can resume it: the
 * principal, the memory id (typed: a {@code String}, {@code UUID}, {@code int} or {@code long} comes back as such), the
 * turn's tool calls as the model made them (before any token was injected: the payload never holds a credential), the
 * consents they wait for, the results of those that ran, the card, and the adapter's {@link Continuation}. Payloads of
 * version 1 (written by the LangChain4j agent before there was a framework-neutral core) are read too: their AI-service
 * call becomes a {@code langchain4j} continuation. Stateless and thread-safe.
 */
final class InterruptCodec {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final int VERSION = 2;
    /** The adapter that wrote version 1 payloads. */
    static final String LEGACY_ADAPTER = "langchain4j";

    String encode(InterruptRegistry.Interrupted s) {
        ObjectNode root = JSON.createObjectNode();
        root.put("v", VERSION);
        root.put("user", s.principal.user());
        root.put("agent", s.principal.agent());
        root.set("memoryId", memoryId(s.memoryId));
        ArrayNode batch = root.putArray("batch");
        for (ToolCall c : s.batch) {
            batch.addObject().put("id", c.id()).put("name", c.name()).put("arguments", c.arguments());
        }
        ObjectNode consents = root.putObject("consents");
        s.consentByCall.forEach((callId, c) -> consents.set(callId, consent(c)));
        ObjectNode completed = root.putObject("completed");
        s.journal.completed.forEach((callId, r) -> completed.putObject(callId).put("text", r.text())
                .put("isError", r.error()));
        root.put("snapshot", s.snapshot.toJson());
        if (s.continuation != null) {
            root.putObject("continuation").put("adapter", s.continuation.adapter())
                    .put("state", s.continuation.state());
        }
        return root.toString();
    }

    InterruptRegistry.Interrupted decode(StoredInterrupt stored, TurnJournals.Journal journal) {
        JsonNode root;
        try {
            root = JSON.readTree(stored.payload());
        } catch (Exception e) {
            throw new AgentAuthException("interrupt " + stored.id() + " in the interrupt store is not readable (its"
                    + " payload is not JSON): it cannot be resumed; the user asks again", null,
                    Principal.of(stored.user(), stored.agent()));
        }
        int version = root.path("v").asInt();
        if (version > VERSION || version < 1) {
            throw new ConfigurationException("interrupt " + stored.id() + " was written by a newer agent-auth"
                    + " (payload version " + version + "); upgrade this replica", null, null);
        }
        List<ToolCall> batch = new ArrayList<>();
        for (JsonNode r : root.path("batch")) {
            batch.add(new ToolCall(r.path("id").asText(), r.path("name").asText(),
                    r.path("arguments").isNull() ? "" : r.path("arguments").asText()));
        }
        Continuation continuation = version == 1 ? legacyContinuation(root)
                : root.has("continuation") ? new Continuation(root.path("continuation").path("adapter").asText(),
                root.path("continuation").path("state").asText()) : null;
        InterruptRegistry.Interrupted s = new InterruptRegistry.Interrupted(stored.id(), "resumed-" + stored.id(),
                memoryId(root.path("memoryId")), Principal.of(root.path("user").asText(),
                root.path("agent").asText()), List.copyOf(batch), journal, continuation);
        root.path("consents").fields().forEachRemaining(e -> s.consentByCall.put(e.getKey(), consent(e.getValue())));
        root.path("completed").fields().forEachRemaining(e -> journal.completed.put(e.getKey(),
                new ToolResult(e.getValue().path("text").asText(), e.getValue().path("isError").asBoolean())));
        s.snapshot = ConsentInterrupt.fromJson(root.path("snapshot").asText());
        s.settled = true;
        return s;
    }

    /** A version 1 payload's AI-service call and invocation parameters, as the LangChain4j adapter reads them now. */
    private static Continuation legacyContinuation(JsonNode root) {
        if (!root.has("call")) {
            return null;
        }
        ObjectNode state = JSON.createObjectNode();
        state.set("call", root.get("call"));
        if (root.has("invocationParameters")) {
            state.set("invocationParameters", root.get("invocationParameters"));
        }
        return new Continuation(LEGACY_ADAPTER, state.toString());
    }

    private static JsonNode memoryId(Object id) {
        ObjectNode n = JSON.createObjectNode();
        if (id instanceof UUID u) {
            n.put("type", "uuid").put("value", u.toString());
        } else if (id instanceof Integer i) {
            n.put("type", "int").put("value", i);
        } else if (id instanceof Long l) {
            n.put("type", "long").put("value", l);
        } else if (id == null) {
            n.putNull("type");
        } else {
            n.put("type", "string").put("value", String.valueOf(id));
        }
        return n;
    }

    private static Object memoryId(JsonNode n) {
        String value = n.path("value").asText();
        return switch (n.path("type").asText("")) {
            case "uuid" -> UUID.fromString(value);
            case "int" -> n.path("value").asInt();
            case "long" -> n.path("value").asLong();
            case "string" -> value;
            default -> null;
        };
    }

    private static JsonNode consent(ConsentRequirement c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", c.id().value()).put("provider", c.provider().value()).put("displayName", c.providerDisplayName())
                .put("scopes", c.scopes().join(" ")).put("authorizationUri", c.authorizationUri().toString())
                .put("expiresAt", c.expiresAt().toString()).put("user", c.principal().user())
                .put("agent", c.principal().agent());
        if (c.prompt() instanceof ConsentPrompt.DeviceCode device) {
            n.put("userCode", device.userCode()).put("verificationUri", device.verificationUri().toString())
                    .put("verificationUriComplete", device.verificationUriComplete() == null ? null
                            : device.verificationUriComplete().toString())
                    .put("interval", device.interval().toSeconds());
        }
        if (c.prompt() instanceof ConsentPrompt.Backchannel backchannel) {
            n.put("bindingMessage", backchannel.bindingMessage()).put("summary", backchannel.approval().summary())
                    .put("authorizationDetails", backchannel.approval().detailsJson())
                    .put("interval", backchannel.interval().toSeconds());
        }
        return n;
    }

    private static ConsentRequirement consent(JsonNode n) {
        String scopes = n.path("scopes").asText();
        return new ConsentRequirement(new ConsentId(n.path("id").asText()), ProviderId.of(n.path("provider").asText()),
                n.path("displayName").asText(), scopes.isBlank() ? Scopes.NONE : Scopes.of(scopes.split(" ")),
                prompt(n), Instant.parse(n.path("expiresAt").asText()),
                Principal.of(n.path("user").isNull() ? null : n.path("user").asText(), n.path("agent").asText()));
    }

    private static ConsentPrompt prompt(JsonNode n) {
        if (n.hasNonNull("bindingMessage")) {
            try {
                return new ConsentPrompt.Backchannel(new Approval(n.path("bindingMessage").asText(),
                        AuthorizationDetail.parseList(n.path("authorizationDetails").asText()),
                        n.path("summary").asText(null)), Duration.ofSeconds(n.path("interval").asLong(5)));
            } catch (ParseException e) {
                throw new IllegalArgumentException("the stored authorization details are not RFC 9396 JSON", e);
            }
        }
        if (!n.hasNonNull("userCode")) {
            return new ConsentPrompt.Redirect(URI.create(n.path("authorizationUri").asText()));
        }
        return new ConsentPrompt.DeviceCode(n.path("userCode").asText(),
                URI.create(n.path("verificationUri").asText()), n.hasNonNull("verificationUriComplete")
                ? URI.create(n.path("verificationUriComplete").asText()) : null,
                Duration.ofSeconds(n.path("interval").asLong(5)));
    }
}
