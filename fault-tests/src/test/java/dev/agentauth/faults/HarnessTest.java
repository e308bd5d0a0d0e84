package dev.agentauth.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentauth.faults.harness.FaultTestBase;
import dev.agentauth.faults.harness.Figures;
import dev.agentauth.faults.harness.PgFaultProxy;
import dev.agentauth.faults.harness.Replica;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The harness itself, before any fault: two replica processes on one database through the TCP proxy and the gateway,
 * a consent started on one and completed on the other, a tool run counted from the shared log, startup times.
 */
class HarnessTest extends FaultTestBase {

    @BeforeAll
    static void database() {
        useDatabase("faults_harness");
    }

    @Test
    void twoReplicaProcessesShareGrantsAndInterruptsThroughTheProxyAndGateway(TestInfo test) {
        Figures f = figures("harness", test);
        try (PgFaultProxy proxy = PgFaultProxy.to(Integer.parseInt(jdbcUrl.replaceAll(".*:(\\d+)/.*", "$1")))) {
            long t0 = System.nanoTime();
            Replica a = replica("A", config(proxy.jdbcUrl(database)));
            long startA = millisSince(t0);
            t0 = System.nanoTime();
            Replica b = replica("B");
            long startB = millisSince(t0);
            f.put("startA_ms", startA).put("startB_ms", startB).put("jvmA_ms", a.startupMillis())
                    .put("jvmB_ms", b.startupMillis()).put("timingsB", b.hello().get("timings"));
            assertThat(a.pid()).isNotEqualTo(b.pid()).isNotEqualTo(ProcessHandle.current().pid());

            JsonNode token = consent(a, b, "alice");
            assertThat(token.path("sub").asText()).isEqualTo("alice");
            JsonNode onA = a.call("token", "user", "alice");
            assertThat(onA.path("fingerprint").asText()).isEqualTo(token.path("fingerprint").asText());
            assertThat(proxy.connections()).isPositive();

            JsonNode interrupt = interruptOn(a, "conv-h", "harry", "list my notes");
            assertThat(b.call("pendingInterrupts", "user", "harry").get("interrupts")).hasSize(1);
            b.call("completeConsent", "callback", signIn(authorizationUrl(interrupt), "harry").toString(),
                    "user", "harry");
            JsonNode answer = b.call("resume", "interruptId", interrupt.get("id").asText(), "user", "harry");
            assertThat(answer.path("text").asText()).isEqualTo("Answer: listNotes -> notes of harry");
            assertThat(toolLog.starts("listNotes", "B")).isEqualTo(1);
            assertThat(toolLog.starts("listNotes")).isEqualTo(1);
            assertThat(gateway.issuedTo("alice")).isNotEmpty();
            assertThat(List.of(startA, startB)).allMatch(ms -> ms < 15_000);
        }
    }
}
