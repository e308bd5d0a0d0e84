package dev.agentauth.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentauth.core.AccessToken;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddedIdentityProviderTest {

    static EmbeddedIdentityProvider idp;
    static TokenBroker broker;

    @BeforeAll
    static void start() {
        idp = EmbeddedIdentityProvider.start();
        broker = TokenBroker.builder().provider(Provider.oauth2("demo-idp").issuer(idp.issuer())
                .clientId("demo-agent").clientSecret("demo-agent-secret").defaultScopes("openid").build())
                .loopbackCallback().build();
    }

    @AfterAll
    static void stop() {
        broker.close();
        idp.close();
    }

    static JWTClaimsSet claims(AccessToken token) throws Exception {
        return SignedJWT.parse(token.value()).getJWTClaimsSet();
    }

    @Test
    void tokenWhenUserConsentedThenScopesAndAudiencesInTokenAlsoAfterRefresh() throws Exception {
        TokenRequest request = TokenRequest.forUser("demo-idp", "frank", "notes.read", "calendar.read");
        AccessToken token = broker.awaitToken(request, consent -> new Thread(() -> {
            try {
                DemoBrowser.signIn(consent.authorizationUri(), "frank");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).start(), Duration.ofMinutes(1));

        assertThat(claims(token).getSubject()).isEqualTo("frank");
        assertThat(claims(token).getIssuer()).isEqualTo(idp.issuer());
        assertThat(claims(token).getAudience()).containsExactlyInAnyOrder("notes", "calendar");
        assertThat(claims(token).getStringClaim("scope").split(" "))
                .containsExactlyInAnyOrder("openid", "notes.read", "calendar.read");

        // An API refused it: the broker refreshes, and the new token keeps the grant's scopes.
        TokenResult refreshed = broker.reportRejected(request, token);
        AccessToken again = ((TokenResult.Granted) refreshed).token();
        assertThat(again.value()).isNotEqualTo(token.value());
        assertThat(claims(again).getSubject()).isEqualTo("frank");
        assertThat(claims(again).getAudience()).containsExactlyInAnyOrder("notes", "calendar");
        assertThat(claims(again).getStringClaim("scope")).contains("notes.read", "calendar.read");
    }

    @Test
    void tokenWhenClientCredentialsThenAgentSubjectWithScopesAndAudience() throws Exception {
        AccessToken token = broker.tokenOrThrow(TokenRequest.forAgent("demo-idp", "notes.status"));

        assertThat(claims(token).getSubject()).isEqualTo("demo-agent");
        assertThat(claims(token).getAudience()).containsExactly("notes");
        assertThat(claims(token).getStringClaim("scope")).contains("notes.status");
    }
}
