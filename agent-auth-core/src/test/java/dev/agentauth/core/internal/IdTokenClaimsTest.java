package dev.agentauth.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import dev.agentauth.core.ConnectedAccount;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** Which account an ID token names, and when it names none this broker may trust. */
class IdTokenClaimsTest {

    static final URI ISSUER = URI.create("https://idp.example");

    static String token(JWTClaimsSet claims) {
        return new PlainJWT(claims).serialize();
    }

    @Test
    void accountWhenIssuerAndAudienceMatchThenSubjectEmailAndUsername() throws Exception {
        ConnectedAccount a = IdTokenClaims.account(token(new JWTClaimsSet.Builder().issuer(ISSUER.toString())
                .audience("client").subject("u-1").claim("email", "alice@corp.example")
                .claim("preferred_username", "alice").build()), ISSUER, "client");

        assertThat(a).isEqualTo(new ConnectedAccount("u-1", "alice@corp.example", "alice"));
        assertThat(a.matches("ALICE@corp.example")).isTrue();
        assertThat(a.matches("alice")).isTrue();
        assertThat(a.matches("bob@corp.example")).isFalse();
    }

    @Test
    void accountWhenAnotherIssuerAudienceOrNoSubjectThenRefused() {
        assertThatThrownBy(() -> IdTokenClaims.account(token(new JWTClaimsSet.Builder().issuer("https://evil.example")
                .audience("client").subject("u").build()), ISSUER, "client")).hasMessageContaining("another issuer");
        assertThatThrownBy(() -> IdTokenClaims.account(token(new JWTClaimsSet.Builder().issuer(ISSUER.toString())
                .audience("other").subject("u").build()), ISSUER, "client")).hasMessageContaining("another client");
        assertThatThrownBy(() -> IdTokenClaims.account(token(new JWTClaimsSet.Builder().issuer(ISSUER.toString())
                .audience("client").build()), ISSUER, "client")).hasMessageContaining("no sub");
        assertThatThrownBy(() -> IdTokenClaims.account("not-a-jwt", ISSUER, "client"))
                .hasMessageContaining("not a JWT");
    }

    @Test
    void accountWhenNoIdTokenThenNone() throws Exception {
        assertThat(IdTokenClaims.account(null, ISSUER, "client")).isNull();
    }
}
