package dev.agentauth.core;

/**
 * How a token is obtained for a {@link TokenRequest}. Each flow states what a request for it must carry; the broker
 * serves each with its own grant policy.
 */
public enum Flow {
    /**
     * On behalf of the user, after the user's consent: authorization code with PKCE (RFC 6749 §4.1, RFC 7636), then
     * refresh tokens (RFC 6749 §6). The principal must name a user.
     */
    USER_CONSENT(true, false, false, false, true, false),
    /** The agent as itself: client credentials (RFC 6749 §4.4). Cached per provider, scopes and agent key. */
    CLIENT_CREDENTIALS(false, false, false, false, false, true),
    /** A static API key, configured for the agent or stored per user with {@link TokenBroker#storeApiKey}. */
    API_KEY(false, false, false, false, false, false),
    /**
     * A service account as itself: an access token for the requested scopes by the JWT bearer grant (RFC 7523 §2.1),
     * with an assertion signed by its {@link ServiceAccountKey}. Needs a {@link Provider.Kind#SERVICE_ACCOUNT} provider.
     * Cached per provider, scopes and agent key.
     */
    JWT_BEARER(false, false, false, false, false, true),
    /**
     * A service account as itself: a JWT signed with its own key for {@link TokenRequest#audience()}, used directly as
     * the bearer token (Google's "self-signed JWT"). No network call. Needs a service-account provider.
     */
    SELF_SIGNED_JWT(false, true, true, false, false, true),
    /**
     * A service account as itself: an OpenID Connect ID token whose {@code aud} is {@link TokenRequest#audience()}
     * (Google's {@code target_audience}), e.g. for Cloud Run or IAP. Needs a service-account provider.
     */
    ID_TOKEN(false, true, true, false, false, true),
    /**
     * On behalf of the user, downstream: the user's token from {@link TokenRequest#subjectProvider()} exchanged at the
     * request's provider for a token for {@link TokenRequest#audience()} (RFC 8693). When the user has not connected the
     * subject provider yet, the answer is that provider's consent requirement. The principal must name a user.
     */
    TOKEN_EXCHANGE(true, false, true, true, false, false),
    /**
     * The agent as itself, with the identity its platform gives it (workload identity federation): the JWT bearer
     * grant (RFC 7523 §2.1) with the assertion of the provider's {@link ProviderBuilder#workloadIdentity
     * AssertionSource} — a Kubernetes service-account token, a SPIFFE JWT-SVID, a CI OIDC token — read anew for every
     * token request. No client secret to keep. Cached per provider, scopes and agent key.
     *
     * @since 0.2.0
     */
    WORKLOAD_IDENTITY(false, false, false, false, false, true),
    /**
     * On behalf of the user, without a consent screen: enterprise-managed authorization (the identity assertion
     * authorization grant, "ID-JAG"). The user's ID token from the enterprise identity provider
     * ({@link ProviderBuilder#identityAssertion}) is exchanged there (RFC 8693) for an identity assertion JWT
     * addressed to this provider's authorization server, which redeems it by the JWT bearer grant (RFC 7523). The
     * enterprise's policy decides; nobody is asked. The principal must name a user.
     *
     * @since 0.2.0
     */
    IDENTITY_ASSERTION(true, false, false, false, false, false),
    /**
     * On behalf of the user, for one action the user approves on their own device: OpenID Client-Initiated
     * Backchannel Authentication (CIBA Core 1.0, poll mode) carrying the action as RFC 9396 {@code authorization_details}
     * and a {@code binding_message} ({@link TokenRequest#approval()}, required). Every request is a new approval, and
     * its token serves that request only: it is never cached or served for another request. Needs a provider built
     * with {@link ProviderBuilder#backchannelAuthentication(boolean) backchannelAuthentication(true)}. The principal
     * must name a user. An API that refuses the approved token is not asked about again: a new action is a new
     * approval.
     *
     * @since 0.3.0
     */
    USER_APPROVAL(true, false, false, false, false, false);

    private final boolean requiresUser;
    private final boolean requiresAudience;
    private final boolean acceptsAudience;
    private final boolean requiresSubjectProvider;
    private final boolean asksUser;
    private final boolean actsAsAgent;

    Flow(boolean requiresUser, boolean requiresAudience, boolean acceptsAudience, boolean requiresSubjectProvider,
         boolean asksUser, boolean actsAsAgent) {
        this.asksUser = asksUser;
        this.actsAsAgent = actsAsAgent;
        this.requiresUser = requiresUser;
        this.requiresAudience = requiresAudience;
        this.acceptsAudience = acceptsAudience;
        this.requiresSubjectProvider = requiresSubjectProvider;
    }

    /** Whether a request for this flow must name a user: the token acts for that user. */
    public boolean requiresUser() {
        return requiresUser;
    }

    /** Whether a request for this flow must name the audience the token is for. */
    public boolean requiresAudience() {
        return requiresAudience;
    }

    /** Whether a request for this flow may name an audience. */
    public boolean acceptsAudience() {
        return acceptsAudience;
    }

    /** Whether a request for this flow names the provider whose user token is exchanged (and only then may). */
    public boolean requiresSubjectProvider() {
        return requiresSubjectProvider;
    }

    /**
     * Whether the broker can ask the user to consent for this flow's grant (a new consent, a step-up), so that a
     * refused token is the user's to fix; otherwise only the operator can.
     */
    public boolean asksUser() {
        return asksUser;
    }

    /**
     * Whether the token is the agent's own, whoever the user is (client credentials, service accounts): callers
     * request it with the agent alone as principal, so every user of the agent shares it.
     */
    public boolean actsAsAgent() {
        return actsAsAgent;
    }
}
