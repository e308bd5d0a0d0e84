package dev.agentauth.core.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.openid.connect.sdk.Nonce;
import dev.agentauth.core.AccessToken;
import dev.agentauth.core.DpopProver;
import dev.agentauth.core.Flow;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.store.GrantKey;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import java.net.URI;
import java.time.Clock;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DPoP key (RFC 9449) of a broker's agents, one EC P-256 key, and the nonces servers sent. The key is
 * made on first use and kept in the broker's {@link TokenStore} under a key of its own (provider
 * {@value #KEY_PROVIDER}), so durable stores keep it encrypted at rest like a token and every replica signs with the
 * same key: DPoP-bound refresh tokens stay usable across restarts. The private key never leaves this class.
 * Thread-safe; the first proof reads (and may write) the store, later ones only sign.
 */
final class DpopKeys {

    private static final Logger log = LoggerFactory.getLogger(DpopKeys.class);

    static final String KEY_PROVIDER = "agentauth.dpop-key";
    static final String KEY_TYPE = "DPoP-Key";

    private final TokenStore store;
    private final Clock clock;
    private volatile Prover prover;
    /** The last {@code DPoP-Nonce} per origin (authorization and resource servers alike). */
    private final ConcurrentHashMap<String, String> nonces = new ConcurrentHashMap<>();

    DpopKeys(TokenStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * The prover of the broker's key, made and stored on first use. One key for all of the broker's agents: grants
     * are shared by the agents of a deployment (unless agent-scoped), so every agent that may use a token must hold
     * the key it is bound to.
     */
    DpopProver prover() {
        return proverImpl();
    }

    /** A proof for a token request ({@code POST} to the token endpoint): no {@code ath}. */
    String tokenRequestProof(URI tokenEndpoint) {
        return proverImpl().sign("POST", tokenEndpoint, null);
    }

    private Prover proverImpl() {
        Prover p = prover;
        if (p == null) {
            synchronized (this) {
                p = prover;
                if (p == null) {
                    p = load(GrantKey.SHARED);
                    prover = p;
                }
            }
        }
        return p;
    }

    void nonce(URI uri, String nonce) {
        if (uri != null && nonce != null && !nonce.isBlank() && nonce.length() <= 1024) {
            nonces.put(origin(uri), nonce);
        }
    }

    private Prover load(String agent) {
        GrantKey key = new GrantKey(ProviderId.of(KEY_PROVIDER), Flow.CLIENT_CREDENTIALS, null, agent, "");
        JWK jwk = stored(key);
        if (jwk == null) {
            try {
                ECKey generated = new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate();
                store.save(new StoredGrant(key, generated.toJSONString(), KEY_TYPE, null, Scopes.NONE, null,
                        clock.instant()));
                // Two replicas may have raced: whatever the store kept is the key of this agent.
                JWK kept = stored(key);
                jwk = kept != null ? kept : generated;
                log.info("DPoP: made the broker's key (thumbprint {})", jwk.getKeyID());
            } catch (JOSEException e) {
                throw new IllegalStateException("cannot generate an EC P-256 DPoP key", e);
            }
        }
        try {
            return new Prover(new DefaultDPoPProofFactory(jwk, JWSAlgorithm.ES256));
        } catch (JOSEException e) {
            throw new IllegalStateException("the stored DPoP key of agent " + agent + " cannot sign ES256", e);
        }
    }

    /** The stored key; one whose row fails the store's integrity check is replaced by a new one. */
    private JWK stored(GrantKey key) {
        try {
            return store.find(key).map(g -> parse(g.accessToken())).orElse(null);
        } catch (dev.agentauth.core.StoreIntegrityException e) {
            log.warn("DPoP: the stored key's row failed its integrity check ({}); a new key replaces it", e.rowId());
            return null;
        }
    }

    private static JWK parse(String json) {
        try {
            return JWK.parse(json);
        } catch (java.text.ParseException e) {
            return null; // unreadable: a new key replaces it
        }
    }

    /** RFC 9449 §4.2: {@code htu} is the request URI without query and fragment. */
    static URI htu(URI uri) {
        try {
            return new URI(uri.getScheme(), uri.getRawAuthority() == null ? null : uri.getAuthority(), uri.getPath(),
                    null, null);
        } catch (java.net.URISyntaxException e) {
            return uri;
        }
    }

    private static String origin(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equals(scheme) ? 443 : 80;
        return scheme + "://" + (uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT)) + ":" + port;
    }

    private final class Prover implements DpopProver {
        private final DefaultDPoPProofFactory factory;

        Prover(DefaultDPoPProofFactory factory) {
            this.factory = factory;
        }

        @Override
        public String proof(String method, URI uri, AccessToken token) {
            Objects.requireNonNull(token, "token");
            return sign(method, uri, token.value());
        }

        String sign(String method, URI uri, String accessToken) {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(uri, "uri");
            String n = nonces.get(origin(uri));
            try {
                return factory.createDPoPJWT(method.toUpperCase(Locale.ROOT), htu(uri),
                        accessToken == null ? null : new DPoPAccessToken(accessToken),
                        n == null ? null : new Nonce(n)).serialize();
            } catch (JOSEException e) {
                throw new IllegalStateException("cannot sign a DPoP proof", e);
            }
        }

        @Override
        public void nonce(URI uri, String nonce) {
            DpopKeys.this.nonce(uri, nonce);
        }

        @Override
        public String toString() {
            return "DpopProver[key=redacted]";
        }
    }
}
