package dev.agentauth.samples;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentauth.core.AccessToken;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import java.time.Duration;
import java.util.Arrays;

/**
 * The smallest useful tour of agent-auth: an embedded identity provider, a machine-to-machine token, and a user
 * consent for the demo user {@code alice}. Run it with {@code mvn -B -q -pl samples -am compile -Pdemo
 * -Ddemo.main=dev.agentauth.samples.QuickstartDemo}; add {@code -Dexec.args=--interactive} to sign in yourself in a
 * browser instead of letting the demo do it.
 */
public final class QuickstartDemo {

    private QuickstartDemo() {
    }

    public static void main(String[] args) throws Exception {
        boolean interactive = Arrays.asList(args).contains("--interactive");
        try (EmbeddedIdentityProvider idp = EmbeddedIdentityProvider.start();
             TokenBroker broker = TokenBroker.builder()
                     .provider(Provider.oauth2("demo-idp")
                             .displayName("Demo identity provider")
                             .issuer(idp.issuer())
                             .clientId("demo-agent")
                             .clientSecret("demo-agent-secret")
                             .defaultScopes("openid")
                             .build())
                     .loopbackCallback()
                     .build()) {

            // 1. The agent as itself: client credentials, cached until it nears expiry.
            AccessToken m2m = broker.tokenOrThrow(TokenRequest.forAgent("demo-idp", "reports.read"));
            System.out.println("M2M token:     " + m2m);
            System.out.println("  claims:      " + claims(m2m));

            // 2. On behalf of alice: she has no grant yet, so the broker asks her to consent, then waits.
            TokenRequest forAlice = TokenRequest.forUser("demo-idp", "alice", "notes.read");
            AccessToken alice = broker.awaitToken(forAlice, consent -> show(consent, interactive),
                    Duration.ofMinutes(5));
            System.out.println("Consent completed for alice.");
            System.out.println("User token:    " + alice);
            System.out.println("  claims:      " + claims(alice));

            // 3. Asked again: served from the cache, no consent, no I/O.
            System.out.println("Cached:        " + (broker.tokenOrThrow(forAlice) == alice));

            // 4. Disconnect: revoked at the provider (RFC 7009) and forgotten.
            System.out.println("Disconnected:  " + broker.disconnect(ProviderId.of("demo-idp"), "alice")
                    + " grant(s); connected now: " + broker.grants("alice"));
        }
    }

    private static void show(ConsentRequirement consent, boolean interactive) {
        System.out.println("Consent needed: " + consent.providerDisplayName() + " for " + consent.principal()
                + ", scopes [" + consent.scopes() + "]");
        System.out.println("  open:        " + consent.authorizationUri());
        if (interactive) {
            System.out.println("  sign in with any user name; waiting…");
            return;
        }
        System.out.println("  (unattended: the demo signs in as alice)");
        Thread browser = new Thread(() -> {
            try {
                DemoBrowser.signIn(consent.authorizationUri(), "alice");
            } catch (Exception e) {
                System.err.println("demo browser failed: " + e);
            }
        }, "demo-browser");
        browser.setDaemon(true);
        browser.start();
    }

    // The claims are not secret; the token itself is never printed.
    private static String claims(AccessToken token) throws java.text.ParseException {
        JWTClaimsSet c = SignedJWT.parse(token.value()).getJWTClaimsSet();
        return "sub=" + c.getSubject() + " aud=" + c.getAudience() + " iss=" + c.getIssuer() + " exp="
                + c.getExpirationTime().toInstant();
    }
}
