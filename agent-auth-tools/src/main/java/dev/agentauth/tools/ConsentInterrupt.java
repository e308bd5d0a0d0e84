package dev.agentauth.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A paused agent turn: which consents the user must give and which tool calls wait for them. A chat UI serializes it
 * with {@link #toJson()} (ISO-8601 instants), shows one card per {@link Consent}, and calls {@link AuthenticatedAgent#resume} with
 * {@link #id()} once the user is done. Holds no secret. Immutable and thread-safe.
 *
 * @param id               the interrupt id, for {@code resume}
 * @param user             the user the turn belongs to; only they may resume it
 * @param agent            the agent
 * @param consents         the consents to give, one card each
 * @param waitingToolCalls the tool calls that run on resume
 * @param expiresAt        when the first consent expires
 */
public record ConsentInterrupt(String id, String user, String agent, List<Consent> consents,
                               List<WaitingToolCall> waitingToolCalls, Instant expiresAt) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ConsentInterrupt {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(user, "user");
        consents = List.copyOf(consents);
        waitingToolCalls = List.copyOf(waitingToolCalls);
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    /**
     * One authorization the user must give.
     *
     * @param consentId           the broker's consent id
     * @param provider            the provider id
     * @param providerDisplayName e.g. {@code GitHub}
     * @param scopes              the scopes asked for
     * @param authorizationUrl    where the user's browser goes (a popup)
     * @param expiresAt           after this the consent is void
     */
    public record Consent(String consentId, String provider, String providerDisplayName, List<String> scopes,
                          String authorizationUrl, Instant expiresAt) {
        public Consent {
            scopes = List.copyOf(scopes);
        }
    }

    /**
     * A tool call the model made that runs when the turn resumes.
     *
     * @param id       the tool call id
     * @param toolName the tool
     * @param provider the provider whose consent it waits for, or {@code null} when it only waits its turn
     */
    public record WaitingToolCall(String id, String toolName, String provider) {
    }

    /** This interrupt as a JSON object, for a chat UI. */
    public String toJson() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("type", "consent_interrupt");
        map.put("id", id);
        map.put("user", user);
        map.put("agent", agent);
        map.put("consents", consents.stream().map(c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("consentId", c.consentId());
            m.put("provider", c.provider());
            m.put("providerDisplayName", c.providerDisplayName());
            m.put("scopes", c.scopes());
            m.put("authorizationUrl", c.authorizationUrl());
            m.put("expiresAt", c.expiresAt().toString());
            return m;
        }).toList());
        map.put("waitingToolCalls", waitingToolCalls.stream().map(w -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", w.id());
            m.put("toolName", w.toolName());
            m.put("provider", w.provider());
            return m;
        }).toList());
        map.put("expiresAt", expiresAt.toString());
        try {
            return JSON.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize consent interrupt " + id, e);
        }
    }
}
