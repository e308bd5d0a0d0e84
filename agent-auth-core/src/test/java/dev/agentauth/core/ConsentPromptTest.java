package dev.agentauth.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A consent requirement's prompt and its page to open agree, however the requirement is built: from a prompt, from
 * an authorization URL (a redirect), or through the deprecated 0.2.0 device-code constructor.
 */
class ConsentPromptTest {

    static final ConsentId ID = new ConsentId("c1");
    static final ProviderId SSO = ProviderId.of("sso");
    static final Instant EXPIRES = Instant.parse("2030-01-01T00:00:00Z");
    static final Principal ALICE = Principal.user("alice");
    static final URI PAGE = URI.create("https://sso.example.com/device");
    static final URI COMPLETE = URI.create("https://sso.example.com/device?user_code=WDJB-MJHT");
    static final URI AUTHORIZE = URI.create("https://sso.example.com/authorize?state=s&code_challenge=c");

    static ConsentRequirement of(ConsentPrompt prompt) {
        return new ConsentRequirement(ID, SSO, "Company SSO", Scopes.of("openid"), prompt, EXPIRES, ALICE);
    }

    @Test
    void requirementWhenBuiltFromADeviceCodePromptThenItsPageIsTheCompleteVerificationUriElseTheVerificationUri() {
        ConsentPrompt.DeviceCode complete = new ConsentPrompt.DeviceCode("WDJB-MJHT", PAGE, COMPLETE,
                Duration.ofSeconds(5));
        ConsentPrompt.DeviceCode plain = new ConsentPrompt.DeviceCode("WDJB-MJHT", PAGE, null, Duration.ofSeconds(5));

        assertThat(of(complete).authorizationUri()).isEqualTo(COMPLETE);
        assertThat(of(complete).prompt()).isEqualTo(complete);
        assertThat(of(plain).authorizationUri()).isEqualTo(PAGE);
    }

    @Test
    void requirementWhenBuiltFromAnAuthorizationUrlThenARedirectPrompt() {
        ConsentRequirement r = new ConsentRequirement(ID, SSO, "Company SSO", Scopes.of("openid"), AUTHORIZE, EXPIRES,
                ALICE);

        assertThat(r.prompt()).isEqualTo(new ConsentPrompt.Redirect(AUTHORIZE));
        assertThat(r).isEqualTo(of(new ConsentPrompt.Redirect(AUTHORIZE)));
    }

    @Test
    @SuppressWarnings("deprecation")
    void requirementWhenBuiltWithTheDeprecatedDeviceCodeThenTheSamePromptAndTheBridgeAnswers() {
        ConsentRequirement.DeviceCode old = new ConsentRequirement.DeviceCode("WDJB-MJHT", PAGE, COMPLETE,
                Duration.ofSeconds(5));
        ConsentRequirement r = new ConsentRequirement(ID, SSO, "Company SSO", Scopes.of("openid"), COMPLETE, EXPIRES,
                ALICE, old);

        assertThat(r.prompt()).isEqualTo(new ConsentPrompt.DeviceCode("WDJB-MJHT", PAGE, COMPLETE,
                Duration.ofSeconds(5)));
        assertThat(r.device()).isEqualTo(old);
        assertThat(r.deviceCode()).contains(old);
        assertThat(new ConsentRequirement(ID, SSO, "Company SSO", Scopes.NONE, AUTHORIZE, EXPIRES, ALICE,
                (ConsentRequirement.DeviceCode) null).prompt()).isInstanceOf(ConsentPrompt.Redirect.class);
    }

    @Test
    void requirementWhenItsPageIsNotThePromptsThenRefused() {
        ConsentPrompt.DeviceCode device = new ConsentPrompt.DeviceCode("WDJB-MJHT", PAGE, COMPLETE,
                Duration.ofSeconds(5));

        assertThatThrownBy(() -> new ConsentRequirement(ID, SSO, "Company SSO", Scopes.NONE, AUTHORIZE, EXPIRES, ALICE,
                device)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a page of the prompt");
        assertThatThrownBy(() -> new ConsentRequirement(ID, SSO, "Company SSO", Scopes.NONE, PAGE, EXPIRES, ALICE,
                new ConsentPrompt.Redirect(AUTHORIZE))).isInstanceOf(IllegalArgumentException.class);
        // the verification URI is a page of the prompt as much as its complete form
        assertThat(new ConsentRequirement(ID, SSO, "Company SSO", Scopes.NONE, PAGE, EXPIRES, ALICE, device)
                .authorizationUri()).isEqualTo(PAGE);
    }

    @Test
    void promptWhenAValueIsMissingThenRefused() {
        assertThatThrownBy(() -> new ConsentPrompt.Redirect(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new ConsentPrompt.DeviceCode(null, PAGE, null, Duration.ofSeconds(5)))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> of(null)).isInstanceOf(NullPointerException.class);
    }
}
