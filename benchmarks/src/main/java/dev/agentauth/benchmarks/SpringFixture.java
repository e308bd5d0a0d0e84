package dev.agentauth.benchmarks;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.InMemoryOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryClientRegistrationRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.OAuth2AccessToken;

/**
 * The peer's equivalent of {@link BrokerFixture}'s client-credentials case: Spring Security's
 * {@link AuthorizedClientServiceOAuth2AuthorizedClientManager} (default provider: client credentials, 60 s clock skew)
 * over an {@link InMemoryOAuth2AuthorizedClientService} that already holds an authorized client whose token expires in
 * an hour, so {@code authorize} returns it without calling the token endpoint.
 *
 * <p>Shared by every benchmark thread, like {@link BrokerFixture}; the authorize request is built once.
 */
@State(Scope.Benchmark)
public class SpringFixture {

    AuthorizedClientServiceOAuth2AuthorizedClientManager manager;
    OAuth2AuthorizeRequest request;

    @Setup(Level.Trial)
    public void setUp() {
        ClientRegistration registration = ClientRegistration.withRegistrationId(BrokerFixture.PROVIDER)
                .clientId("c")
                .clientSecret("s")
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .tokenUri("http://127.0.0.1:1/token")
                .scope("openid", "reports")
                .build();
        InMemoryClientRegistrationRepository registrations = new InMemoryClientRegistrationRepository(registration);
        InMemoryOAuth2AuthorizedClientService clients = new InMemoryOAuth2AuthorizedClientService(registrations);
        manager = new AuthorizedClientServiceOAuth2AuthorizedClientManager(registrations, clients);
        request = OAuth2AuthorizeRequest.withClientRegistrationId(BrokerFixture.PROVIDER)
                .principal("default")
                .build();

        Instant now = Instant.now();
        OAuth2AccessToken token = new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, "m2m-token-value", now,
                now.plus(1, ChronoUnit.HOURS), Set.of("openid", "reports"));
        clients.saveAuthorizedClient(new OAuth2AuthorizedClient(registration, "default", token),
                request.getPrincipal());

        OAuth2AuthorizedClient authorized = manager.authorize(request);
        if (authorized == null || authorized.getAccessToken() != token) {
            throw new IllegalStateException("expected the stored client back without a call to the token endpoint,"
                    + " got " + authorized);
        }
    }
}
