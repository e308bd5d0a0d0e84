package dev.agentauth.agent;

import dev.agentauth.core.Flow;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a tool method (LangChain4j's {@code @Tool}, Spring AI's {@code @Tool}) as needing a credential from
 * {@code provider}. The agent obtains it for the principal of the current call — never from tool arguments — and
 * injects it into the parameter annotated with {@link InjectToken} (a {@code String}), or the adapter's credential
 * parameter ({@link ToolCredential}); that parameter never appears in the tool schema the model sees, and the token
 * never reaches the model, a tool result or chat memory.
 *
 * <pre>{@code
 * @Tool("List my open pull requests")
 * @AuthenticatedTool(provider = "github", scopes = "repo")
 * List<PullRequest> myPulls(@InjectToken String token, String repository) { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface AuthenticatedTool {

    /** The provider id, as configured on the {@link dev.agentauth.core.TokenBroker}. */
    String provider();

    /** The scopes the tool needs. */
    String[] scopes() default {};

    /**
     * How the credential is obtained: {@link Flow#USER_CONSENT} (default) for the user of the invocation,
     * {@link Flow#CLIENT_CREDENTIALS} for the agent itself, {@link Flow#API_KEY} for an API key.
     */
    Flow flow() default Flow.USER_CONSENT;

    /** Whether the grant belongs to this agent only (default: shared by every agent acting for the user). */
    boolean agentScoped() default false;
}
