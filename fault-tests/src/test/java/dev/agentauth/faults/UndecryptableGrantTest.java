package dev.agentauth.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentauth.faults.harness.FaultTestBase;
import dev.agentauth.faults.harness.Figures;
import dev.agentauth.faults.harness.Replica;
import java.security.SecureRandom;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Item 8 — a grant that does not decrypt. Lena's stored access token ciphertext is overwritten with random bytes (a
 * bad restore, a keyset rotated too far, an edited row). Her {@code token()} must offer a new consent rather than fail
 * with advice to disconnect her; {@code grants} and {@code disconnect} must work and remove the row; after a new
 * consent her token works. B, which never cached her token, answers.
 */
class UndecryptableGrantTest extends FaultTestBase {

    static final String ROWS = "SELECT COUNT(*) FROM agentauth_grant WHERE user_id = 'lena'";

    @BeforeAll
    static void database() {
        useDatabase("faults_undecryptable");
    }

    @Test
    void grantThatDoesNotDecryptThenANewConsentIsOfferedAndTheConnectionCanBeListedAndRemoved(TestInfo test) {
        Figures f = figures("8", test);
        Replica a = replica("A");
        Replica b = replica("B");
        consent(a, a, "lena");

        corrupt();
        JsonNode token = b.call("token", "user", "lena");

        if (count(ROWS) == 0) { // the broker dropped the unreadable row: give it another one for grants/disconnect
            b.call("completeConsent", "callback", signIn(token.path("authorizationUrl").asText(), "lena").toString(),
                    "user", "lena");
            corrupt();
        }
        JsonNode grants = b.call("grants", "user", "lena");
        JsonNode disconnected = b.call("disconnect", "user", "lena", "provider", "corp");
        long rowsAfterDisconnect = count(ROWS);

        JsonNode asked = b.call("token", "user", "lena");
        JsonNode completed = outcome(asked).equals("consent") ? b.call("completeConsent", "callback",
                signIn(asked.get("authorizationUrl").asText(), "lena").toString(), "user", "lena") : asked;
        JsonNode works = b.call("token", "user", "lena");

        f.put("tokenWithUndecryptableGrant", describe(token)).put("message", token.path("message").asText(""))
                .put("grants", describe(grants) + "/" + grants.path("grants").size())
                .put("disconnect", describe(disconnected)).put("rowsAfterDisconnect", rowsAfterDisconnect)
                .put("newConsent", describe(asked) + "->" + describe(completed)).put("tokenAfter", describe(works));

        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(describe(token)).as("token() offers a new consent: " + token).isEqualTo("consent");
        softly.assertThat(token.path("message").asText("")).as("not an exception telling to disconnect the user")
                .doesNotContainIgnoringCase("disconnect");
        softly.assertThat(outcome(grants)).as("grants(lena) works: " + grants).isEqualTo("grants");
        softly.assertThat(outcome(disconnected)).as("disconnect(lena, corp) works: " + disconnected).isEqualTo("ok");
        softly.assertThat(rowsAfterDisconnect).as("and removes the row").isZero();
        softly.assertThat(describe(works)).as("after a new consent lena's token works: " + works)
                .isEqualTo("granted:lena");
        softly.assertAll();
    }

    private static void corrupt() {
        byte[] garbage = new byte[120];
        new SecureRandom().nextBytes(garbage);
        assertThat(update("UPDATE agentauth_grant SET access_token = ? WHERE user_id = 'lena'", (Object) garbage))
                .isEqualTo(1);
    }
}
