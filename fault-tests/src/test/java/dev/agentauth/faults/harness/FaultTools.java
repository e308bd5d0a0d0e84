package dev.agentauth.faults.harness;

import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.InjectToken;
import dev.langchain4j.agent.tool.Tool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The tools of a replica. Every start and end of a tool is appended to the shared {@link ToolLog}, so the test counts
 * executions across processes; results name whose token the tool got (its {@code sub}), never the token.
 * {@code slowNotes} and {@code waitGate} block until the test creates their gate file.
 */
public final class FaultTools {

    private final String replica;
    private final ToolLog log;
    private final Path gates;

    FaultTools(String replica, ToolLog log, Path gates) {
        this.replica = replica;
        this.log = log;
        this.gates = gates;
    }

    @Tool("List my notes")
    @AuthenticatedTool(provider = "corp", scopes = "notes.read")
    public String listNotes(@InjectToken String token) {
        String sub = Tokens.subject(token);
        log.append("start", replica, "listNotes", sub);
        log.append("end", replica, "listNotes", sub);
        return "notes of " + sub;
    }

    @Tool("List my notes, slowly: waits until the notes service answers")
    @AuthenticatedTool(provider = "corp", scopes = "notes.read")
    public String slowNotes(@InjectToken String token) {
        String sub = Tokens.subject(token);
        log.append("start", replica, "slowNotes", sub);
        awaitGate("slowNotes");
        log.append("end", replica, "slowNotes", sub);
        return "slow notes of " + sub;
    }

    @Tool("Wait for the archive to be ready")
    public String waitGate() {
        log.append("start", replica, "waitGate", "-");
        awaitGate("waitGate");
        log.append("end", replica, "waitGate", "-");
        return "archive ready";
    }

    private void awaitGate(String name) {
        Path gate = gates.resolve(name);
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!Files.exists(gate)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("gate " + name + " never opened");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
