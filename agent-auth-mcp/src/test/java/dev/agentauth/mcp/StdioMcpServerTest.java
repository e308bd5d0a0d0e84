package dev.agentauth.mcp;

import static dev.agentauth.mcp.testing.McpFixtures.consent;
import static dev.agentauth.mcp.testing.McpFixtures.consentOf;
import static dev.agentauth.mcp.testing.McpFixtures.javaCommand;
import static dev.agentauth.mcp.testing.McpFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.util.JSONObjectUtils;
import dev.agentauth.core.AccessToken;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.core.testing.MutableClock;
import dev.agentauth.core.testing.TestIdp;
import dev.agentauth.mcp.testing.StdioMcpTestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import net.minidev.json.JSONObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** stdio MCP servers (built with the SDK, launched with `java -cp`): one process per user, token in the environment. */
class StdioMcpServerTest {

    static TestIdp idp;
    TokenBroker broker;
    MutableClock clock;
    StdioMcpServer mcp;

    @BeforeAll
    static void startIdp() {
        idp = TestIdp.start(true);
    }

    @AfterAll
    static void stopIdp() {
        idp.close();
    }

    /** The stdio server program the tests start. */
    Class<?> serverMain() {
        return StdioMcpTestServer.class;
    }

    @BeforeEach
    void start() {
        broker = TokenBroker.builder()
                .provider(Provider.oauth2("corp").issuer(idp.issuer()).clientId("stdio-agent")
                        .clientSecret("stdio-agent-secret").defaultScopes("openid").build())
                .loopbackCallback().build();
        clock = new MutableClock(java.time.Instant.parse("2026-01-01T00:00:00Z"));
        List<String> cmd = javaCommand(serverMain(), idp.issuer());
        mcp = (StdioMcpServer) AuthenticatedMcpServer.stdio("local", cmd.get(0),
                        cmd.subList(1, cmd.size()).toArray(String[]::new))
                .broker(broker).provider("corp", "files").tokenVariables("MCP_TOKEN")
                .env("SERVER_MODE", "test").envAllowList("PATH", "HOME")
                .idleTimeout(Duration.ofMinutes(5)).clock(clock).requestTimeout(Duration.ofSeconds(90))
                .build();
    }

    @AfterEach
    void stop() {
        mcp.close();
        broker.close();
    }

    @Test
    void callToolWhenUserConsentedThenServerProcessValidatesTheirTokenFromTheEnvironment() {
        Principal alice = Principal.user("alice");
        consent(broker, mcp.callTool(alice, "whoami", Map.of()), "alice");
        assertThat(text(mcp.callTool(alice, "whoami", Map.of()))).isEqualTo("alice");
    }

    @Test
    void callToolWhenTwoUsersThenTwoProcessesEachWithItsUsersToken() throws Exception {
        Principal alice = Principal.user("alice");
        Principal bob = Principal.user("bob");
        consent(broker, mcp.callTool(alice, "whoami", Map.of()), "alice");
        consent(broker, mcp.callTool(bob, "whoami", Map.of()), "bob");

        CompletableFuture<String> a = CompletableFuture.supplyAsync(() -> text(mcp.callTool(alice, "whoami", Map.of())));
        CompletableFuture<String> b = CompletableFuture.supplyAsync(() -> text(mcp.callTool(bob, "whoami", Map.of())));
        assertThat(a.get()).isEqualTo("alice");
        assertThat(b.get()).isEqualTo("bob");
        assertThat(mcp.processId(alice)).isPresent().isNotEqualTo(mcp.processId(bob));
        assertThat(text(mcp.callTool(alice, "pid", Map.of()))).isEqualTo(mcp.processId(alice).get().toString());
    }

    @Test
    void environmentWhenStartedThenOnlyAllowListFixedVariablesAndTokenNothingOnTheCommandLine() throws Exception {
        Principal carol = Principal.user("carol");
        consent(broker, mcp.callTool(carol, "whoami", Map.of()), "carol");
        String token = broker.tokenOrThrow(request(carol)).value();

        JSONObject env = JSONObjectUtils.parse(text(mcp.callTool(carol, "env", Map.of())));

        // PATH and HOME (if the agent has them), the fixed variable, the token — and nothing the agent's environment
        // holds besides (no USER, SHELL, LOGNAME, TERM, no secrets of the agent).
        assertThat(env.keySet()).containsAll(List.of("MCP_TOKEN", "SERVER_MODE"))
                .allMatch(k -> List.of("MCP_TOKEN", "SERVER_MODE", "PATH", "HOME").contains(k));
        assertThat(env.get("MCP_TOKEN")).isEqualTo(token);
        assertThat(env.entrySet()).filteredOn(e -> !e.getKey().equals("MCP_TOKEN"))
                .allMatch(e -> !String.valueOf(e.getValue()).contains(token));
        long pid = mcp.processId(carol).orElseThrow();
        String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.UTF_8);
        assertThat(cmdline).contains(StdioMcpTestServer.class.getName()).doesNotContain(token);
    }

    @Test
    void callToolWhenTokenRotatesThenProcessRestartedWithTheNewToken() {
        Principal dave = Principal.user("dave");
        consent(broker, mcp.callTool(dave, "whoami", Map.of()), "dave");
        assertThat(text(mcp.callTool(dave, "whoami", Map.of()))).isEqualTo("dave");
        long before = mcp.processId(dave).orElseThrow();
        AccessToken old = broker.tokenOrThrow(request(dave));

        broker.reportRejected(request(dave), old); // refresh: a new access token (and a rotated refresh token)

        assertThat(text(mcp.callTool(dave, "whoami", Map.of()))).isEqualTo("dave");
        long after = mcp.processId(dave).orElseThrow();
        assertThat(after).isNotEqualTo(before);
        assertThat(ProcessHandle.of(before).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(text(mcp.callTool(dave, "pid", Map.of()))).isEqualTo(Long.toString(after));
    }

    @Test
    void reapIdleWhenUnusedLongerThanIdleTimeoutThenProcessStoppedAndRestartedOnNextCall() {
        Principal erin = Principal.user("erin");
        consent(broker, mcp.callTool(erin, "whoami", Map.of()), "erin");
        assertThat(text(mcp.callTool(erin, "whoami", Map.of()))).isEqualTo("erin");
        long pid = mcp.processId(erin).orElseThrow();

        clock.advance(Duration.ofMinutes(4));
        assertThat(mcp.reapIdle()).isZero();
        clock.advance(Duration.ofMinutes(2));
        assertThat(mcp.reapIdle()).isEqualTo(1);

        assertThat(mcp.processId(erin)).isEmpty();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(text(mcp.callTool(erin, "whoami", Map.of()))).isEqualTo("erin");
    }

    @Test
    void closeWhenProcessesRunThenNoneOutlivesIt() {
        Principal frank = Principal.user("frank");
        Principal gina = Principal.user("gina");
        consent(broker, mcp.callTool(frank, "whoami", Map.of()), "frank");
        consent(broker, mcp.callTool(gina, "whoami", Map.of()), "gina");
        text(mcp.callTool(frank, "whoami", Map.of()));
        text(mcp.callTool(gina, "whoami", Map.of()));
        List<Long> pids = List.of(mcp.processId(frank).orElseThrow(), mcp.processId(gina).orElseThrow());

        mcp.close();

        assertThat(pids).allMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == false);
    }

    @Test
    void callToolWhenUserHasNoTokenThenConsentAndNoProcess() {
        Principal harry = Principal.user("harry");
        assertThat(consentOf(mcp.callTool(harry, "whoami", Map.of())).principal()).isEqualTo(harry);
        assertThat(mcp.processId(harry)).isEmpty();
    }

    static TokenRequest request(Principal p) {
        return TokenRequest.builder().provider("corp").principal(p).scopes("files").build();
    }
}
