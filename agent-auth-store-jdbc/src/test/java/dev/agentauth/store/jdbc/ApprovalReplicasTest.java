package dev.agentauth.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import com.nimbusds.oauth2.sdk.rar.AuthorizationType;
import dev.agentauth.core.AccessToken;
import dev.agentauth.core.Approval;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Secret;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.CibaDevice;
import dev.agentauth.core.testing.EmbeddedPg;
import dev.agentauth.core.testing.KeycloakServer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The approval of one action (OpenID CIBA) across replicas on one PostgreSQL database, against a real Keycloak: the
 * {@code auth_req_id} and the polling schedule are in the shared store (sealed like a device code), so the approval
 * outlives the replica that asked for it, and a waiter on any replica gets the approved token.
 */
class ApprovalReplicasTest {

    final List<TokenBroker> brokers = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        brokers.forEach(TokenBroker::close);
    }

    @Test
    void approvalWhenItsReplicaStopsThenAnotherReplicaPollsItAWaiterAnywhereGetsTheTokenAndOnceTakenItsRowIsGone() throws Exception {
        KeycloakServer keycloak = KeycloakServer.shared();
        EmbeddedPg pg = EmbeddedPg.shared();
        pg.database("approval_replicas");
        String keyset = TokenEncryption.generateKeyset();
        java.util.function.Supplier<TokenBroker> replica = () -> {
            TokenBroker b = TokenBroker.builder().provider(Provider.oauth2("bank").issuer(keycloak.issuer())
                            .clientId("approval-agent").clientSecret("approval-secret").defaultScopes("openid")
                            .backchannelAuthentication(true).build())
                    .expectedAccount((principal, provider) -> Optional.of(principal.user()))
                    .tokenStore(TokenStores.postgres().jdbcUrl(pg.jdbcUrl("approval_replicas"))
                            .encryption(TokenEncryption.fromJson(Secret.of(keyset))).build())
                    .build();
            brokers.add(b);
            return b;
        };
        TokenBroker a = replica.get();
        TokenBroker b = replica.get();
        TokenBroker c = replica.get();
        Approval approval = Approval.of("DEL-alice/demo", new AuthorizationDetail.Builder(
                new AuthorizationType("repository_deletion")).field("repository", "alice/demo").build());
        TokenResult started = a.token(TokenRequest.builder().provider("bank").principal(Principal.user("alice"))
                .approval(approval).build());
        ConsentRequirement consent = ((TokenResult.ConsentRequired) started).consent();
        a.close(); // the replica that asked stops; its poller with it
        CompletableFuture<AccessToken> onB = b.consentCompletion(consent.id());
        CompletableFuture<AccessToken> onC = c.consentCompletion(consent.id());

        keycloak.device().awaitRequest("DEL-alice/demo");
        keycloak.device().answerNow("DEL-alice/demo", CibaDevice.Decision.APPROVE);
        long approved = System.nanoTime();
        AccessToken token = onB.get(30, TimeUnit.SECONDS);
        System.out.println("FAULT-FIGURE CIBA approval redeemed by a surviving replica "
                + (System.nanoTime() - approved) / 1_000_000 + " ms after the user approved (interval 2 s)");

        assertThat(onC.get(30, TimeUnit.SECONDS).value()).as("the same token on every waiting replica")
                .isEqualTo(token.value());
        assertThat(SignedJWT.parse(token.value()).getJWTClaimsSet().getClaim("authorization_details"))
                .asString().contains("alice/demo");
        assertThat(b.grants("alice")).as("an approval is not a connection").isEmpty();

        TokenStore rows = TokenStores.postgres().jdbcUrl(pg.jdbcUrl("approval_replicas"))
                .encryption(TokenEncryption.fromJson(Secret.of(keyset))).build();
        try {
            assertThat(rows.findByUser("alice")).as("kept for the waiters to read")
                    .anySatisfy(g -> assertThat(g.key().flow()).isEqualTo(Flow.USER_APPROVAL));
            b.forgetApproval(consent.id()); // the replica running the call has its token
            assertThat(rows.findByUser("alice")).as("no approved token stays in the store")
                    .noneSatisfy(g -> assertThat(g.key().flow()).isEqualTo(Flow.USER_APPROVAL));
        } finally {
            rows.close();
        }
    }
}
