package dev.agentauth.springai.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.agentauth.agent.ConsentInterrupt;
import dev.agentauth.agent.ConsentInterruptException;
import dev.agentauth.agent.MissingPrincipalException;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.ProviderUnavailableException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.ai.tool.execution.DefaultToolExecutionExceptionProcessor;
import org.springframework.ai.tool.execution.ToolExecutionException;

/** The tool loop's exception processor: agent-auth's interrupt and the operator's failures leave, the rest is told. */
class AgentToolFailuresTest {

    static final ToolDefinition TOOL = ToolDefinition.builder().name("listNotes").description("List my notes")
            .inputSchema("{}").build();
    final AgentToolFailures processor = new AgentToolFailures(DefaultToolExecutionExceptionProcessor.builder().build());

    @Test
    void processWhenAToolFailureWrapsAnInterruptOrAnOperatorsFailureThenItIsRethrownAsItself() {
        ConsentInterruptException interrupt = new ConsentInterruptException(new ConsentInterrupt("i1", "alice",
                "default", List.of(), List.of(), Instant.now()));
        assertThat(catchThrowable(() -> processor.process(new ToolExecutionException(TOOL,
                new IllegalStateException("wrapped", interrupt))))).isSameAs(interrupt);
        MissingPrincipalException nobody = new MissingPrincipalException("no user");
        assertThat(catchThrowable(() -> processor.process(new ToolExecutionException(TOOL, nobody))))
                .isSameAs(nobody);
        ConfigurationException config = new ConfigurationException("unknown provider", null, null);
        assertThat(catchThrowable(() -> processor.process(new ToolExecutionException(TOOL, config))))
                .isSameAs(config);
    }

    @Test
    void processWhenTheFailureIsTheToolsOwnOrTransientThenTheModelIsToldAsSpringAiWould() {
        assertThat(processor.process(new ToolExecutionException(TOOL, new IllegalArgumentException("bad city"))))
                .isEqualTo("bad city");
        assertThat(processor.process(new ToolExecutionException(TOOL, new ProviderUnavailableException(
                "provider down", null, null, null)))).isEqualTo("provider down");
    }
}
