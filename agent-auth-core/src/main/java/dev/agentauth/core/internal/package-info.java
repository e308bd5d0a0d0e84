/**
 * The broker's implementation; not API, may change in any release.
 *
 * <p>{@code DefaultTokenBroker} is a facade. A request's flow picks its {@code GrantPolicy} in {@code GrantPolicies}
 * (the only place that maps a flow to behaviour): {@code UserConsentPolicy}, {@code ClientCredentialsPolicy},
 * {@code ApiKeyPolicy}, {@code ServiceAccountPolicy} (JWT bearer, ID token, self-signed JWT) and
 * {@code TokenExchangePolicy}. Each owns its key, how it obtains and renews a token, and what a rejected token means.
 * {@code GrantKeeper} is the one place where an issued token becomes a stored, audited, cached grant;
 * {@code GrantCache} is the lock-free fast path; {@code GrantFlights} runs one slow path per key at a time (in-process
 * single flight, then the store's grant lock across replicas). How a user consents is a {@code ConsentChannel}, picked
 * per request in {@code ConsentChannels} as grant policies are (the only place that maps a provider's settings to a
 * channel): {@code RedirectChannel} (authorization code with PKCE; its callback validated there) and
 * {@code DeviceCodeChannel} (RFC 8628; polled by {@code ConsentPoller}); the interface's Javadoc says how a backchannel
 * (OpenID CIBA) is added. {@code Consents} keeps consent bookkeeping without knowing channels (its Javadoc has the
 * sketch of where a consent's state lives), and {@code ConsentCompletion} ends a claimed consent. Every HTTP request
 * goes through {@code DefaultHttpTransport}, one per broker; the token verifier and the MCP module reach the same
 * implementation through the public {@link dev.agentauth.core.http.HttpTransport}, over the broker's client, so every
 * request of the library has the same limits.
 */
package dev.agentauth.core.internal;
