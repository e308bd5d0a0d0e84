package dev.agentauth.verify;

import dev.agentauth.core.Scopes;
import dev.agentauth.core.http.HttpTransport;
import dev.agentauth.verify.internal.JwtTokenVerifier;
import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Builds a {@link TokenVerifier}. Each option may be set once (issuers: once each); values are checked when set and
 * {@link #build()} checks the whole. Not thread-safe.
 *
 * <pre>{@code
 * TokenVerifier verifier = TokenVerifier.builder()
 *     .issuer("https://idp.example.com")          // JWKS from its discovery document; RS256 and ES256
 *     .audience("weather-mcp")                     // this service's logical name
 *     .requiredScopes("weather.read")
 *     .build();
 * }</pre>
 */
public final class TokenVerifierBuilder {

    /** The largest clock skew accepted: a larger one would keep expired tokens alive. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final Map<String, TrustedIssuer> issuers = new LinkedHashMap<>();
    private String audience;
    private Scopes requiredScopes;
    private Clock clock;
    private Duration clockSkew;
    private Duration jwksCacheTtl;
    private Duration jwksRefetchInterval;
    private Duration connectTimeout;
    private Duration readTimeout;
    private java.net.http.HttpClient httpClient;

    TokenVerifierBuilder() {
    }

    /** Trusts {@code issuer} with the default algorithms, keys from its discovery document. */
    public TokenVerifierBuilder issuer(String issuer) {
        return trust(TrustedIssuer.of(issuer));
    }

    /** Trusts an issuer with its own algorithm allow-list and, optionally, an explicit JWKS URL. */
    public TokenVerifierBuilder trust(TrustedIssuer issuer) {
        Objects.requireNonNull(issuer, "issuer");
        if (issuers.putIfAbsent(issuer.issuer(), issuer) != null) {
            throw new IllegalStateException("issuer " + issuer.issuer() + " was already added");
        }
        return this;
    }

    /**
     * The audience this service expects in {@code aud}: a logical name ({@code weather-mcp}, or a resource URL on a
     * DNS name), never an IP address, which changes with deployments and is shared by every service behind it.
     */
    public TokenVerifierBuilder audience(String audience) {
        Objects.requireNonNull(audience, "audience");
        if (audience.isBlank()) {
            throw new IllegalArgumentException("audience must not be blank");
        }
        if (isIpAddress(audience)) {
            throw new IllegalArgumentException("audience '" + audience + "' is an IP address; use the service's"
                    + " logical name (e.g. 'weather-mcp') or its resource URL on a DNS name");
        }
        this.audience = once(this.audience, audience, "audience");
        return this;
    }

    /** Scopes every token must carry (in {@code scope} or {@code scp}); missing ones give HTTP 403. Default: none. */
    public TokenVerifierBuilder requiredScopes(String... scopes) {
        this.requiredScopes = once(this.requiredScopes, Scopes.of(scopes), "requiredScopes");
        return this;
    }

    /** The clock for {@code exp}, {@code nbf} and {@code iat}. Default: {@link Clock#systemUTC()}. */
    public TokenVerifierBuilder clock(Clock clock) {
        this.clock = once(this.clock, clock, "clock");
        return this;
    }

    /** Tolerance for clock differences with the issuer. Default 60 s, at most {@link #MAX_CLOCK_SKEW}. */
    public TokenVerifierBuilder clockSkew(Duration skew) {
        Objects.requireNonNull(skew, "clockSkew");
        if (skew.isNegative() || skew.compareTo(MAX_CLOCK_SKEW) > 0) {
            throw new IllegalArgumentException("clockSkew must be between 0 and " + MAX_CLOCK_SKEW + ", was " + skew);
        }
        this.clockSkew = once(this.clockSkew, skew, "clockSkew");
        return this;
    }

    /** How long a fetched JWKS is used before it is fetched again. Default 5 min. */
    public TokenVerifierBuilder jwksCacheTtl(Duration ttl) {
        this.jwksCacheTtl = once(this.jwksCacheTtl, positive(ttl, "jwksCacheTtl"), "jwksCacheTtl");
        return this;
    }

    /** The rate limit of JWKS fetches: at most two per issuer per interval. Default 30 s. */
    public TokenVerifierBuilder jwksRefetchInterval(Duration interval) {
        this.jwksRefetchInterval = once(this.jwksRefetchInterval, positive(interval, "jwksRefetchInterval"),
                "jwksRefetchInterval");
        return this;
    }

    /** Connect timeout of metadata and JWKS fetches. Default 5 s. */
    public TokenVerifierBuilder connectTimeout(Duration timeout) {
        this.connectTimeout = once(this.connectTimeout, positive(timeout, "connectTimeout"), "connectTimeout");
        return this;
    }

    /** Read timeout of metadata and JWKS fetches. Default 10 s. */
    public TokenVerifierBuilder readTimeout(Duration timeout) {
        this.readTimeout = once(this.readTimeout, positive(timeout, "readTimeout"), "readTimeout");
        return this;
    }

    /**
     * The HTTP client for metadata and JWKS fetches, e.g. the broker's ({@code broker.httpClient()}) or one with a
     * proxy or TLS trust of your own; requests go through it as {@link HttpTransport} sends them (the read timeout over
     * the whole answer, a bounded body). Default: a client built with {@link #connectTimeout}. Exclusive with
     * {@link #connectTimeout}.
     *
     * @since 0.2.0
     */
    public TokenVerifierBuilder httpClient(java.net.http.HttpClient client) {
        this.httpClient = once(this.httpClient, client, "httpClient");
        return this;
    }

    /** Builds the verifier. Fetches nothing: metadata and keys are fetched on first use. */
    public TokenVerifier build() {
        if (issuers.isEmpty()) {
            throw new IllegalStateException("trust at least one issuer (TokenVerifierBuilder.issuer)");
        }
        if (audience == null) {
            throw new IllegalStateException("set the audience this service expects (TokenVerifierBuilder.audience)");
        }
        if (httpClient != null && connectTimeout != null) {
            throw new IllegalStateException("set connectTimeout on your HttpClient, not on the verifier builder");
        }
        if (jwksCacheTtl != null && jwksRefetchInterval != null && jwksRefetchInterval.compareTo(jwksCacheTtl) >= 0) {
            throw new IllegalStateException("jwksRefetchInterval must be shorter than jwksCacheTtl");
        }
        return new JwtTokenVerifier(new JwtTokenVerifier.Settings(
                java.util.List.copyOf(issuers.values()), audience,
                requiredScopes != null ? requiredScopes : Scopes.NONE,
                clock != null ? clock : Clock.systemUTC(),
                clockSkew != null ? clockSkew : Duration.ofSeconds(60),
                jwksCacheTtl != null ? jwksCacheTtl : Duration.ofMinutes(5),
                jwksRefetchInterval != null ? jwksRefetchInterval : Duration.ofSeconds(30),
                HttpTransport.of(httpClient != null ? httpClient
                                : HttpTransport.defaultClient(connectTimeout != null ? connectTimeout
                                : Duration.ofSeconds(5)),
                        readTimeout != null ? readTimeout : Duration.ofSeconds(10))));
    }

    private static <T> T once(T current, T value, String name) {
        Objects.requireNonNull(value, name);
        if (current != null) {
            throw new IllegalStateException(name + " was already set");
        }
        return value;
    }

    private static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
        return d;
    }

    private static boolean isIpAddress(String audience) {
        String host = audience;
        try {
            URI uri = URI.create(audience);
            if (uri.getHost() != null) {
                host = uri.getHost();
            }
        } catch (IllegalArgumentException notAUri) {
            // a plain name
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            return true; // IPv6 literal in a URL
        }
        if (IPV4.matcher(host).matches()) {
            return true;
        }
        if (host.indexOf(':') >= 0 && host.matches("[0-9a-fA-F:.]+")) {
            try {
                return InetAddress.getByName(host) != null; // a literal: no lookup happens
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }
        return false;
    }
}
