package dev.agentauth.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CliChatTest {

    /** A device authorization (RFC 8628) is shown as the page and the code to type there, on any device. */
    @Test
    void consentWithADeviceCodeWhenShownThenThePageAndTheCodeAndTheCompleteLink() {
        dev.agentauth.core.ConsentRequirement consent = new dev.agentauth.core.ConsentRequirement(
                new dev.agentauth.core.ConsentId("c1"), dev.agentauth.core.ProviderId.of("sso"), "Company SSO",
                dev.agentauth.core.Scopes.of("openid"), new dev.agentauth.core.ConsentPrompt.DeviceCode("WDJB-MJHT",
                        java.net.URI.create("https://sso.example.com/device"),
                        java.net.URI.create("https://sso.example.com/device?user_code=WDJB-MJHT"),
                        java.time.Duration.ofSeconds(5)),
                java.time.Instant.now().plusSeconds(600), dev.agentauth.core.Principal.user("alice"));
        String plain = CliChat.describe(consent, false);
        org.assertj.core.api.Assertions.assertThat(plain).contains("Company SSO asks you to authorize",
                "on any device, open https://sso.example.com/device and enter the code  WDJB-MJHT",
                "(or open https://sso.example.com/device?user_code=WDJB-MJHT)").doesNotContain("\u001b");
        org.assertj.core.api.Assertions.assertThat(CliChat.describe(consent, true))
                .contains("\u001b]8;;https://sso.example.com/device\u001b\\", "WDJB-MJHT");
    }

    @Test
    void runWhenToolNeedsConsentThenPrintsUrlWaitsVisiblyAndContinues() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();   // synchronized: safe to read while written
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        byte[] typed = ("list my notes\nadd a note: call mum\nlist my notes\nservice status\n"
                + "what is on my calendar\nlist my files\nexit\n")
                .getBytes(StandardCharsets.UTF_8);

        CompletableFuture<Void> chat = CompletableFuture.runAsync(() -> {
            try {
                CliChat.run(new ByteArrayInputStream(typed), out, "carol", Map.of());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // The user: opens each printed URL and signs in as carol (the IdP's login form, then the loopback callback).
        Pattern url = Pattern.compile("open: (\\S+)");
        int signedIn = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!chat.isDone() && System.nanoTime() < deadline) {
            Matcher m = url.matcher(printed.toString(StandardCharsets.UTF_8));
            int found = 0;
            while (m.find()) {
                if (++found > signedIn) {
                    DemoBrowser.signIn(URI.create(m.group(1)), "carol");
                    signedIn++;
                }
            }
            Thread.sleep(100);
        }
        chat.get(30, TimeUnit.SECONDS);
        String text = printed.toString(StandardCharsets.UTF_8);

        assertThat(signedIn).as("notes.read, step-up for notes.write, calendar (MCP over HTTP), files (stdio)")
                .isEqualTo(4);
        assertThat(text).contains("model: built-in demo model (rule-based, not an LLM)",
                "Demo identity provider asks you to authorize", "waiting for you to sign in", "authorized.",
                "agent> (no notes yet)", "agent> saved", "agent> call mum", "asked by demo-agent",
                "Calendar of carol today", "Files of carol: carol-report.pdf");
        assertThat(text).doesNotContainPattern("eyJ[A-Za-z0-9_-]{10,}\\.");
    }
}
