package dev.agentauth.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A paused agent turn: which consents the user must give and which tool calls wait for them. A chat UI serializes it
 * with {@link #toJson()} (ISO-8601 instants), shows one card per {@link Consent}, and asks the agent to resume it
 * ({@code agent.resume(id, user)} in every framework adapter) with {@link #id()} once the user is done. The same JSON
 * and card for every framework. Holds no secret. Immutable and thread-safe.
 *
 * @param id               the interrupt id, for {@code resume}
 * @param user             the user the turn belongs to; only they may resume it
 * @param agent            the agent
 * @param consents         the consents to give, one card each: the provider's display name, what each scope lets
 *                         the agent do (new ones apart from those already granted), the account already connected
 * @param waitingToolCalls the tool calls that run on resume, with their {@code @Tool} descriptions (why they ask)
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
     * @param scopeDetails        each scope in words, those granted before marked
     * @param connectedAccount    the account already connected at the provider, or {@code null}
     * @param userCode            the code to enter, for a device authorization (RFC 8628); else {@code null}
     * @param verificationUri     where to enter it; else {@code null}
     * @param verificationUriComplete the same page with the code filled in, or {@code null}
     * @param action              for the approval of one action on the user's own device (OpenID CIBA): the action
     *                            and its binding message; else {@code null}
     */
    public record Consent(String consentId, String provider, String providerDisplayName, List<String> scopes,
                          String authorizationUrl, Instant expiresAt, List<ScopeDetail> scopeDetails,
                          String connectedAccount, String userCode, String verificationUri,
                          String verificationUriComplete, Action action) {
        public Consent {
            scopes = List.copyOf(scopes);
            scopeDetails = scopeDetails == null ? List.of() : List.copyOf(scopeDetails);
        }

        /** A consent through a browser redirect or a device code: no action to approve. */
        public Consent(String consentId, String provider, String providerDisplayName, List<String> scopes,
                       String authorizationUrl, Instant expiresAt, List<ScopeDetail> scopeDetails,
                       String connectedAccount, String userCode, String verificationUri,
                       String verificationUriComplete) {
            this(consentId, provider, providerDisplayName, scopes, authorizationUrl, expiresAt, scopeDetails,
                    connectedAccount, userCode, verificationUri, verificationUriComplete, null);
        }

        /** A consent through a browser redirect: no device code. */
        public Consent(String consentId, String provider, String providerDisplayName, List<String> scopes,
                       String authorizationUrl, Instant expiresAt, List<ScopeDetail> scopeDetails,
                       String connectedAccount) {
            this(consentId, provider, providerDisplayName, scopes, authorizationUrl, expiresAt, scopeDetails,
                    connectedAccount, null, null, null);
        }

        /** A consent without scope details or account. */
        public Consent(String consentId, String provider, String providerDisplayName, List<String> scopes,
                       String authorizationUrl, Instant expiresAt) {
            this(consentId, provider, providerDisplayName, scopes, authorizationUrl, expiresAt, List.of(), null);
        }

        /**
         * Whether the user authorizes with a code on another device (RFC 8628): show {@link #userCode()} and
         * {@link #verificationUri()} (a link or QR code of {@link #verificationUriComplete()}), then resume once they
         * approved — the broker polls meanwhile.
         *
         * @since 0.2.0
         */
        public boolean deviceCode() {
            return userCode != null;
        }

        /**
         * How the user consents, as the card's JSON names it ({@code "prompt"}): {@code "redirect"} (open
         * {@link #authorizationUrl()}) or {@code "device"} (enter {@link #userCode()} on another device). More
         * kinds come with more consent channels: a UI keeps a default for a name it does not know, and shows the
         * authorization URL when there is one.
         *
         * @since 0.3.0
         */
        public String prompt() {
            return action != null ? "backchannel" : deviceCode() ? "device" : "redirect";
        }
    }

    /**
     * The one action a user approves on their own device (OpenID CIBA with RFC 9396 authorization details): a card
     * says "approve on your device", shows {@link #bindingMessage()} (the device shows the same) and the action in
     * words ({@link #summary()}), and may list the details; there is no link to open. Resuming before the user
     * answered is {@code CONSENT_PENDING}; a refusal or an expiry reaches the model as a refusal of that call.
     *
     * @param bindingMessage       what the user compares on both devices
     * @param summary              the action in words, from the tool's approval mapping
     * @param authorizationDetails the RFC 9396 {@code authorization_details}, a JSON array
     * @since 0.3.0
     */
    public record Action(String bindingMessage, String summary, String authorizationDetails) {
        public Action {
            Objects.requireNonNull(bindingMessage, "bindingMessage");
            Objects.requireNonNull(summary, "summary");
            Objects.requireNonNull(authorizationDetails, "authorizationDetails");
        }
    }

    /**
     * One scope as a consent card shows it: protocol plumbing ({@code openid}, {@code offline_access}) is left out.
     *
     * @param scope          the scope string
     * @param description    what it lets the agent do, in words (the provider's description), or {@code null}
     * @param alreadyGranted whether the user granted it before (a step-up asks only for the others anew)
     * @since 0.2.0
     */
    public record ScopeDetail(String scope, String description, boolean alreadyGranted) {
    }

    /**
     * A tool call the model made that runs when the turn resumes.
     *
     * @param id       the tool call id
     * @param toolName the tool
     * @param provider the provider whose consent it waits for, or {@code null} when it only waits its turn
     */
    public record WaitingToolCall(String id, String toolName, String provider, String toolDescription) {

        /** A waiting call without a description. */
        public WaitingToolCall(String id, String toolName, String provider) {
            this(id, toolName, provider, null);
        }
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
            m.put("scopeDetails", c.scopeDetails().stream().map(d -> {
                Map<String, Object> sd = new LinkedHashMap<>();
                sd.put("scope", d.scope());
                sd.put("description", d.description());
                sd.put("alreadyGranted", d.alreadyGranted());
                return sd;
            }).toList());
            m.put("connectedAccount", c.connectedAccount());
            m.put("prompt", c.prompt());
            if (c.deviceCode()) {
                m.put("userCode", c.userCode());
                m.put("verificationUri", c.verificationUri());
                m.put("verificationUriComplete", c.verificationUriComplete());
            }
            if (c.action() != null) {
                m.put("bindingMessage", c.action().bindingMessage());
                m.put("action", c.action().summary());
                try {
                    m.put("authorizationDetails", JSON.readTree(c.action().authorizationDetails()));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("the authorization details of consent " + c.consentId()
                            + " are not JSON", e);
                }
            }
            m.put("authorizationUrl", c.authorizationUrl());
            m.put("expiresAt", c.expiresAt().toString());
            return m;
        }).toList());
        map.put("waitingToolCalls", waitingToolCalls.stream().map(w -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", w.id());
            m.put("toolName", w.toolName());
            m.put("provider", w.provider());
            m.put("toolDescription", w.toolDescription());
            return m;
        }).toList());
        map.put("expiresAt", expiresAt.toString());
        try {
            return JSON.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize consent interrupt " + id, e);
        }
    }

    /**
     * The interrupt a {@link #toJson()} produced: for a chat UI or a replica that keeps the JSON and needs the object
     * back.
     *
     * @throws IllegalArgumentException {@code json} is not an interrupt's JSON
     * @since 0.2.0
     */
    public static ConsentInterrupt fromJson(String json) {
        try {
            com.fasterxml.jackson.databind.JsonNode n = JSON.readTree(json);
            if (n == null || !"consent_interrupt".equals(n.path("type").asText())) {
                throw new IllegalArgumentException("not a consent interrupt's JSON (type is not consent_interrupt)");
            }
            List<Consent> consents = new java.util.ArrayList<>();
            for (com.fasterxml.jackson.databind.JsonNode c : n.path("consents")) {
                List<ScopeDetail> details = new java.util.ArrayList<>();
                for (com.fasterxml.jackson.databind.JsonNode d : c.path("scopeDetails")) {
                    details.add(new ScopeDetail(d.path("scope").asText(), text(d, "description"),
                            d.path("alreadyGranted").asBoolean()));
                }
                List<String> scopes = new java.util.ArrayList<>();
                c.path("scopes").forEach(x -> scopes.add(x.asText()));
                consents.add(new Consent(c.path("consentId").asText(), c.path("provider").asText(),
                        c.path("providerDisplayName").asText(), scopes, c.path("authorizationUrl").asText(),
                        Instant.parse(c.path("expiresAt").asText()), details, text(c, "connectedAccount"),
                        text(c, "userCode"), text(c, "verificationUri"), text(c, "verificationUriComplete"),
                        c.hasNonNull("bindingMessage") ? new Action(c.path("bindingMessage").asText(),
                                text(c, "action"), c.path("authorizationDetails").toString()) : null));
            }
            List<WaitingToolCall> waiting = new java.util.ArrayList<>();
            for (com.fasterxml.jackson.databind.JsonNode w : n.path("waitingToolCalls")) {
                waiting.add(new WaitingToolCall(w.path("id").asText(), w.path("toolName").asText(),
                        text(w, "provider"), text(w, "toolDescription")));
            }
            return new ConsentInterrupt(n.path("id").asText(), n.path("user").asText(), text(n, "agent"), consents,
                    waiting, Instant.parse(n.path("expiresAt").asText()));
        } catch (JsonProcessingException | java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("not a consent interrupt's JSON (" + e.getClass().getSimpleName()
                    + ")");
        }
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode n, String field) {
        com.fasterxml.jackson.databind.JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
