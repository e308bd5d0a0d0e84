package dev.agentauth.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentauth.core.AccessToken;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Provider;
import dev.agentauth.core.Secret;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.TokenResult;
import dev.agentauth.core.testing.EmbeddedPg;
import dev.agentauth.core.testing.KeycloakServer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The device authorization grant (RFC 8628) across replicas on one PostgreSQL database, against a real Keycloak: the
 * schedule of a device authorization is in the shared store, so it outlives the replica that started it.
 */
class DeviceAuthorizationReplicasTest {

    static KeycloakServer keycloak;
    final List<TokenBroker> brokers = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        keycloak = KeycloakServer.shared();
    }

    @AfterEach
    void close() {
        brokers.forEach(TokenBroker::close);
    }

    /**
     * A device authorization outlives the replica that started it: its schedule is in the shared store, so the replica
     * that is left polls it and redeems the user's approval.
     */
    @Test
    void deviceConsentWhenItsReplicaStopsThenAnotherReplicaRedeemsTheApproval() throws Exception {
        EmbeddedPg pg = EmbeddedPg.shared();
        pg.database("device_replicas");
        String keyset = TokenEncryption.generateKeyset();
        java.util.function.Supplier<TokenBroker> replica = () -> {
            TokenBroker b = TokenBroker.builder().provider(Provider.oauth2("sso").issuer(keycloak.issuer())
                            .clientId("device-agent").clientSecret("device-secret").defaultScopes("openid")
                            .deviceAuthorization(true).build())
                    .tokenStore(TokenStores.postgres().jdbcUrl(pg.jdbcUrl("device_replicas"))
                            .encryption(TokenEncryption.fromJson(Secret.of(keyset))).build())
                    .build();
            brokers.add(b);
            return b;
        };
        TokenBroker a = replica.get();
        TokenBroker b = replica.get();
        TokenRequest request = TokenRequest.forUser("sso", "dana");
        TokenResult started = a.token(request);
        assertThat(started).isInstanceOf(TokenResult.ConsentRequired.class);
        ConsentRequirement consent = ((TokenResult.ConsentRequired) started).consent();
        a.close(); // the replica that started it stops; its poller with it

        keycloak.approve(consent.deviceCode().orElseThrow().verificationUriComplete(), "alice", "alice-pw");
        long approved = System.nanoTime();
        AccessToken token = b.consentCompletion(consent.id()).get(30, TimeUnit.SECONDS);
        System.out.println("FAULT-FIGURE device approval redeemed by the surviving replica "
                + (System.nanoTime() - approved) / 1_000_000 + " ms after the user approved");
        assertThat(((TokenResult.Granted) b.token(request)).token().value()).isEqualTo(token.value());
    }
}
