package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.oauth2.sdk.rar.AuthorizationDetail;
import com.nimbusds.oauth2.sdk.rar.AuthorizationType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The value types of an approval: what they refuse, and that they cannot be changed from outside. */
class ApprovalTest {

    static AuthorizationDetail deletion() {
        return new AuthorizationDetail.Builder(new AuthorizationType("repository_deletion"))
                .field("repository", "alice/demo").build();
    }

    @Test
    void approvalWhenTheBindingMessageOrTheDetailsAreUnusableThenRefused() {
        assertThatThrownBy(() -> Approval.of(" ", deletion())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CIBA Core");
        assertThatThrownBy(() -> Approval.of("x".repeat(65), deletion())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Approval.of("two\nlines", deletion())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Approval("DEL", List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RFC 9396");
    }

    @Test
    void approvalWhenBuiltThenItsDetailsAreCopiesAndItsSummaryDefaultsToTheBindingMessage() {
        AuthorizationDetail detail = deletion();
        Approval approval = Approval.of("DEL-alice/demo", detail);
        detail.toJSONObject().put("repository", "alice/other");
        approval.details().get(0).toJSONObject().put("repository", "alice/other");

        assertThat(approval.details().get(0).getStringField("repository")).isEqualTo("alice/demo");
        assertThat(approval.summary()).isEqualTo("DEL-alice/demo");
        assertThat(approval.withSummary("Delete alice/demo").summary()).isEqualTo("Delete alice/demo");
        assertThat(approval.detailsJson()).startsWith("[{").contains("repository_deletion");
    }

    @Test
    void tokenRequestWhenTheFlowAndTheApprovalDisagreeThenRefused() {
        Approval approval = Approval.of("DEL-alice/demo", deletion());
        assertThat(TokenRequest.builder().provider("github").principal(Principal.user("alice")).approval(approval)
                .build().flow()).isEqualTo(Flow.USER_APPROVAL);
        assertThatThrownBy(() -> TokenRequest.builder().provider("github").principal(Principal.user("alice"))
                .flow(Flow.USER_APPROVAL).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("approval");
    }
}
