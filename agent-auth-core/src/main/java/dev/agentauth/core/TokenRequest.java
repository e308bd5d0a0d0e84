package dev.agentauth.core;

import java.util.Objects;

/**
 * What a caller asks the {@link TokenBroker} for: a credential from {@code provider} with at least {@code scopes}, for
 * {@code principal}, obtained by {@code flow}.
 *
 * <p>{@code agentScoped} keeps the grant for this agent alone; otherwise every agent acting for the same user shares it.
 * {@code forceConsent} asks the user again even when a usable grant exists. Immutable and thread-safe.
 *
 * @param provider     the provider
 * @param scopes       the scopes needed; empty means the provider's default scopes
 * @param principal    who the token is for; from the caller's context, never from model output
 * @param flow         how to obtain the token
 * @param agentScoped  whether the grant belongs to this agent only
 * @param forceConsent    whether to ask the user again even if a usable grant exists
 * @param audience        for {@link Flow#SELF_SIGNED_JWT}, {@link Flow#ID_TOKEN} (required) and
 *                        {@link Flow#TOKEN_EXCHANGE} (optional): the service the token is for; otherwise {@code null}
 * @param subjectProvider for {@link Flow#TOKEN_EXCHANGE}: the provider whose user token is exchanged (RFC 8693
 *                        {@code subject_token}); otherwise {@code null}
 * @param approval        for {@link Flow#USER_APPROVAL} (required): the one action the user approves on their device;
 *                        otherwise {@code null}
 */
public record TokenRequest(ProviderId provider, Scopes scopes, Principal principal, Flow flow, boolean agentScoped,
                           boolean forceConsent, String audience, ProviderId subjectProvider, Approval approval) {

    public TokenRequest {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(scopes, "scopes");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(flow, "flow");
        if (flow.requiresUser() && !principal.hasUser()) {
            throw new IllegalArgumentException("flow " + flow + " needs a principal with a user; " + principal
                    + " has no user (use Flow.CLIENT_CREDENTIALS for the agent acting as itself)");
        }
        if (flow.requiresAudience() && (audience == null || audience.isBlank())) {
            throw new IllegalArgumentException("flow " + flow + " needs an audience (TokenRequest.Builder.audience)");
        }
        if (audience != null && !flow.acceptsAudience()) {
            throw new IllegalArgumentException("flow " + flow + " takes no audience; audiences are for SELF_SIGNED_JWT,"
                    + " ID_TOKEN and TOKEN_EXCHANGE");
        }
        if (flow.requiresSubjectProvider() && subjectProvider == null) {
            throw new IllegalArgumentException("flow " + flow + " needs the provider of the user's token"
                    + " (TokenRequest.Builder.subjectProvider)");
        }
        if (!flow.requiresSubjectProvider() && subjectProvider != null) {
            throw new IllegalArgumentException("flow " + flow + " takes no subject provider; it is for TOKEN_EXCHANGE");
        }
        if ((flow == Flow.USER_APPROVAL) != (approval != null)) {
            throw new IllegalArgumentException(approval == null ? "flow USER_APPROVAL needs the action to approve"
                    + " (TokenRequest.Builder.approval)" : "flow " + flow + " takes no approval; it is for USER_APPROVAL");
        }
    }

    /** A request without an approval, as before approvals existed. */
    public TokenRequest(ProviderId provider, Scopes scopes, Principal principal, Flow flow, boolean agentScoped,
                        boolean forceConsent, String audience, ProviderId subjectProvider) {
        this(provider, scopes, principal, flow, agentScoped, forceConsent, audience, subjectProvider, null);
    }

    /** A request without audience or subject provider, as before those existed. */
    public TokenRequest(ProviderId provider, Scopes scopes, Principal principal, Flow flow, boolean agentScoped,
                        boolean forceConsent) {
        this(provider, scopes, principal, flow, agentScoped, forceConsent, null, null);
    }

    /** A user-consent request for {@code user} through the default agent. */
    public static TokenRequest forUser(String provider, String user, String... scopes) {
        return builder().provider(provider).principal(Principal.user(user)).scopes(Scopes.of(scopes)).build();
    }

    /** A client-credentials (machine-to-machine) request for the default agent. */
    public static TokenRequest forAgent(String provider, String... scopes) {
        return builder().provider(provider).principal(Principal.agent(Principal.DEFAULT_AGENT))
                .flow(Flow.CLIENT_CREDENTIALS).scopes(Scopes.of(scopes)).build();
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** This request with {@code forceConsent} set. */
    public TokenRequest withForceConsent(boolean force) {
        return new TokenRequest(provider, scopes, principal, flow, agentScoped, force, audience, subjectProvider,
                approval);
    }

    /** This request with other scopes. */
    public TokenRequest withScopes(Scopes other) {
        return new TokenRequest(provider, other, principal, flow, agentScoped, forceConsent, audience,
                subjectProvider, approval);
    }

    /**
     * Written out rather than generated: the broker finds a request built per call by its hash and equality, and the
     * generated form calls each component's {@code equals} through {@code Objects}. The cheap components go first.
     */
    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        return o instanceof TokenRequest other && flow == other.flow && agentScoped == other.agentScoped
                && forceConsent == other.forceConsent && provider.equals(other.provider)
                && principal.equals(other.principal) && scopes.equals(other.scopes)
                && (audience == null ? other.audience == null : audience.equals(other.audience))
                && (subjectProvider == null ? other.subjectProvider == null : subjectProvider.equals(other.subjectProvider))
                && (approval == null ? other.approval == null : approval.equals(other.approval));
    }

    @Override
    public int hashCode() {
        int h = provider.hashCode();
        h = 31 * h + scopes.hashCode();
        h = 31 * h + principal.hashCode();
        h = 31 * h + flow.ordinal();
        h = 31 * h + (agentScoped ? 1 : 0) + (forceConsent ? 2 : 0);
        if (audience != null) {
            h = 31 * h + audience.hashCode();
        }
        if (subjectProvider != null) {
            h = 31 * h + subjectProvider.hashCode();
        }
        return approval == null ? h : 31 * h + approval.hashCode();
    }

    /** Builds a {@link TokenRequest}; defaults: no scopes (provider defaults), {@link Flow#USER_CONSENT}, shared. Not thread-safe. */
    public static final class Builder {
        private ProviderId provider;
        private Scopes scopes = Scopes.NONE;
        private Principal principal;
        private Flow flow = Flow.USER_CONSENT;
        private boolean agentScoped;
        private boolean forceConsent;
        private String audience;
        private ProviderId subjectProvider;
        private Approval approval;

        private Builder() {
        }

        public Builder provider(ProviderId provider) {
            this.provider = provider;
            return this;
        }

        public Builder provider(String provider) {
            return provider(ProviderId.of(provider));
        }

        public Builder scopes(Scopes scopes) {
            this.scopes = scopes;
            return this;
        }

        public Builder scopes(String... scopes) {
            return scopes(Scopes.of(scopes));
        }

        public Builder principal(Principal principal) {
            this.principal = principal;
            return this;
        }

        public Builder flow(Flow flow) {
            this.flow = flow;
            return this;
        }

        public Builder agentScoped(boolean agentScoped) {
            this.agentScoped = agentScoped;
            return this;
        }

        public Builder forceConsent(boolean forceConsent) {
            this.forceConsent = forceConsent;
            return this;
        }

        /** The service the token is for: {@link Flow#SELF_SIGNED_JWT}, {@link Flow#ID_TOKEN}, {@link Flow#TOKEN_EXCHANGE}. */
        public Builder audience(String audience) {
            this.audience = audience;
            return this;
        }

        /**
         * The one action the user approves on their device; sets the flow to {@link Flow#USER_APPROVAL}.
         *
         * @since 0.3.0
         */
        public Builder approval(Approval approval) {
            this.approval = approval;
            this.flow = Flow.USER_APPROVAL;
            return this;
        }

        /** For {@link Flow#TOKEN_EXCHANGE}: the provider whose user token is exchanged. */
        public Builder subjectProvider(ProviderId subjectProvider) {
            this.subjectProvider = subjectProvider;
            return this;
        }

        /** For {@link Flow#TOKEN_EXCHANGE}: the provider whose user token is exchanged. */
        public Builder subjectProvider(String subjectProvider) {
            return subjectProvider(ProviderId.of(subjectProvider));
        }

        public TokenRequest build() {
            return new TokenRequest(provider, scopes, principal, flow, agentScoped, forceConsent, audience,
                    subjectProvider, approval);
        }
    }
}
