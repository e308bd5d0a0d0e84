package dev.agentauth.agent.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.util.URLUtils;
import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentMode;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.store.StoredGrant;
import dev.agentauth.core.store.TokenStore;
import dev.agentauth.core.testing.LogCapture;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * No credential leaves the adapter's tools: while a user is interrupted, signs in, is resumed, has a token refreshed
 * after the API's 401 and steps up for more scope — and a second user declines — with every logger of the JVM at TRACE
 * (the JDK's own bridged in), no access token, refresh token, authorization code or PKCE verifier appears in any
 * request the model received (messages, tool schemas, everything the framework sent), in chat memory, in an answer
 * or an interrupt's JSON, or in any log line; nor does the OAuth {@code state} outside the card's authorization URL.
 *
 * <p>Extend it with a {@code harness()} returning the adapter's {@link AgentHarness}. Its tests block on the agents
 * and may start threads of their own; see {@link AgentContract}.
 *
 * @since 0.3.0
 */
public abstract class SecretLeakContract extends AgentContract {

    @Test
    public void everyModelRequestMemoryMessageAndLogLineAtTraceWhenTheAgentRunsThenNoTokenRefreshTokenOrCode() {
        TokenStore store = TokenStore.inMemory();
        Set<String> secrets = new LinkedHashSet<>();
        Set<String> states = new LinkedHashSet<>();
        List<String> shown = new ArrayList<>();
        List<String> lines;
        int events;
        TestAgent a;
        try (LogCapture logs = LogCapture.everything()) {
            a = agent(broker(store), ConsentMode.INTERRUPT, false, consent -> { }, Duration.ofSeconds(20), null);

            ConsentInterrupt first = a.interrupted("sam", "leak", LIST);
            shown.add(first.toJson());
            signIn(first, "sam", store, secrets, states);
            shown.add(a.agent.resume(first.id(), "sam").text());
            grants(store, "sam", secrets);

            fixtures.api.rejectOnce(a.tools.runs().get(0).token());
            shown.add(a.agent.send("sam", "leak", LIST).text());     // 401 -> refresh -> retry
            grants(store, "sam", secrets);

            ConsentInterrupt stepUp = a.interrupted("sam", "leak", ARCHIVE);
            shown.add(stepUp.toJson());
            signIn(stepUp, "sam", store, secrets, states);
            shown.add(a.agent.resume(stepUp.id(), "sam").text());
            grants(store, "sam", secrets);

            ConsentInterrupt declined = a.interrupted("tess", "leak-tess", LIST);
            shown.add(declined.toJson());
            shown.add(a.agent.decline(declined.id(), "tess").text());

            a.tools.runs().forEach(r -> secrets.add(r.token()));
            lines = logs.allLines();
            events = logs.eventCount();
        }

        long accessTokens = a.tools.runs().stream().map(ContractTools.Run::token).distinct().count();
        assertThat(accessTokens).as("the first token, the refreshed one, the stepped-up one").isGreaterThanOrEqualTo(3);
        assertThat(secrets).as("tokens, refresh tokens, codes and verifiers were really used")
                .hasSizeGreaterThanOrEqualTo((int) accessTokens + 5);
        assertThat(events).as("the capture saw the run (TRACE on every logger)").isGreaterThan(50);
        assertThat(lines).as("the JDK's own loggers were captured too")
                .anyMatch(l -> !l.startsWith("dev.agentauth") && !l.startsWith("no.nav") && !l.startsWith("io."));

        List<String> model = new ArrayList<>();
        for (ModelRequest r : a.model.requests()) {
            model.add(r.text());
            model.addAll(texts(r.messages()));
            r.tools().forEach(t -> model.add(t.name() + " " + t.description() + " " + t.parameters()));
        }
        assertThat(a.model.requests()).as("the model was asked").hasSizeGreaterThanOrEqualTo(8);
        List<String> memory = new ArrayList<>(texts(a.memory("leak")));
        memory.addAll(texts(a.memory("leak-tess")));

        Set<String> everything = new LinkedHashSet<>(secrets);
        everything.addAll(states);
        assertNoneContains("a request to the model", model, everything);
        assertNoneContains("chat memory", memory, everything);
        assertNoneContains("an answer or an interrupt's JSON (the state is in its authorization URL)", shown,
                secrets);
        List<String> ours = lines.stream().filter(l -> !LogCapture.notTheProject(l)).toList();
        assertNoneContains("a log line", ours, everything);
    }

    /** The browser signs in for each consent, noting the state, the PKCE verifier and the code it carries. */
    private void signIn(ConsentInterrupt interrupt, String user, TokenStore store, Set<String> secrets,
                        Set<String> states) {
        for (ConsentInterrupt.Consent c : interrupt.consents()) {
            URI authorization = URI.create(c.authorizationUrl());
            states.add(URLUtils.parseParameters(authorization.getRawQuery()).get("state").get(0));
            String verifier = store.findConsent(new ConsentId(c.consentId())).orElseThrow().codeVerifier();
            assertThat(verifier).as("PKCE").isNotBlank();
            secrets.add(verifier);
            URI callback = browser.signIn(authorization, user);
            secrets.add(URLUtils.parseParameters(callback.getRawQuery()).get("code").get(0));
            assertThat(browser.get(callback).statusCode()).isEqualTo(200);
        }
    }

    private static void grants(TokenStore store, String user, Set<String> secrets) {
        for (StoredGrant g : store.findByUser(user)) {
            secrets.add(g.accessToken());
            if (g.refreshToken() != null) {
                secrets.add(g.refreshToken());
            }
        }
    }

    private static List<String> texts(List<NeutralMessage> messages) {
        List<String> out = new ArrayList<>();
        for (NeutralMessage m : messages) {
            out.add(String.valueOf(m.text()));
            if (m instanceof NeutralMessage.Assistant a) {
                for (ToolCall c : a.toolCalls()) {
                    out.add(c.name() + " " + c.arguments());
                }
            }
        }
        return out;
    }

    private static void assertNoneContains(String where, List<String> texts, Set<String> secrets) {
        assertThat(texts).as(where + " was seen").isNotEmpty();
        for (String text : texts) {
            for (String secret : secrets) {
                assertThat(text).as(where + " contains a credential").doesNotContain(secret);
            }
        }
    }
}
