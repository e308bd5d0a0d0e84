package dev.agentauth.verify;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import com.nimbusds.oauth2.sdk.rar.AuthorizationType;
import dev.agentauth.core.Scopes;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@link VerifiedToken#covers} accepts: the strict, type-independent reading of RFC 9396 details. */
class VerifiedTokenAuthorizationDetailsTest {

    static VerifiedToken tokenWith(Object details) {
        return new VerifiedToken("alice", "https://idp.example", List.of("bank-api"), Scopes.NONE, "agent",
                Instant.now().plusSeconds(60), null, details == null ? Map.of() : Map.of("authorization_details",
                details));
    }

    static AuthorizationDetail.Builder detail(String type) {
        return new AuthorizationDetail.Builder(new AuthorizationType(type));
    }

    @Test
    void coversWhenEveryRequiredMemberIsGrantedWithTheSameValueThenTrue() {
        VerifiedToken token = tokenWith(List.of(Map.of("type", "account_information",
                "actions", List.of("list_accounts", "read_balances"), "locations", List.of("https://bank.example"),
                "limit", Map.of("currency", "EUR", "amount", 100))));

        assertThat(token.authorizationDetails()).hasSize(1);
        assertThat(token.covers(List.of(detail("account_information").field("actions", List.of("read_balances"))
                .build()))).as("a list required is contained in the granted one").isTrue();
        assertThat(token.covers(List.of(detail("account_information").field("limit", Map.of("amount", 100.0))
                .build()))).as("objects member by member, numbers by value").isTrue();
        assertThat(token.covers(List.of(detail("account_information").field("actions", List.of("transfer"))
                .build()))).isFalse();
        assertThat(token.covers(List.of(detail("payment_initiation").build()))).as("another type").isFalse();
        assertThat(token.covers(List.of(detail("account_information").field("purpose", "x").build())))
                .as("a member the token does not grant").isFalse();
    }

    @Test
    void coversWhenTheTokenHasNoOrMalformedDetailsThenNothingButAnEmptyRequirement() {
        assertThat(tokenWith(null).authorizationDetails()).isEmpty();
        assertThat(tokenWith(null).covers(List.of(detail("payment_initiation").build()))).isFalse();
        assertThat(tokenWith(null).covers(List.of())).isTrue();
        assertThat(tokenWith("not json").authorizationDetails()).isEmpty();
        assertThat(tokenWith(List.of(Map.of("no", "type"))).authorizationDetails()).isEmpty();
    }
}
