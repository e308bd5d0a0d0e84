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
 * @param forceConsent whether to ask the user again even if a usable grant exists
 */
public record TokenRequest(ProviderId provider, Scopes scopes, Principal principal, Flow flow, boolean agentScoped,
                           boolean forceConsent) {

    public TokenRequest {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(scopes, "scopes");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(flow, "flow");
        if (flow == Flow.USER_CONSENT && !principal.hasUser()) {
            throw new IllegalArgumentException("flow USER_CONSENT needs a principal with a user; " + principal
                    + " has none (use Flow.CLIENT_CREDENTIALS for the agent acting as itself)");
        }
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
        return new TokenRequest(provider, scopes, principal, flow, agentScoped, force);
    }

    /** This request with other scopes. */
    public TokenRequest withScopes(Scopes other) {
        return new TokenRequest(provider, other, principal, flow, agentScoped, forceConsent);
    }

    /** Builds a {@link TokenRequest}; defaults: no scopes (provider defaults), {@link Flow#USER_CONSENT}, shared. Not thread-safe. */
    public static final class Builder {
        private ProviderId provider;
        private Scopes scopes = Scopes.NONE;
        private Principal principal;
        private Flow flow = Flow.USER_CONSENT;
        private boolean agentScoped;
        private boolean forceConsent;

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

        public TokenRequest build() {
            return new TokenRequest(provider, scopes, principal, flow, agentScoped, forceConsent);
        }
    }
}
