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
 *
 * <p>A tool that moves money, deletes something or sends mail may ask its user to approve each call on their own
 * device, as exactly that action ({@link #approval()}):
 *
 * <pre>{@code
 * @Tool("Pay someone")
 * @AuthenticatedTool(provider = "bank", approval = PaymentApproval.class)
 * String pay(@InjectToken String token, String creditor, String amount) { ... }
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

    /**
     * Each call of this tool is approved by its user on their own device, as exactly that action (OpenID CIBA with
     * RFC 9396 authorization details, {@link Flow#USER_APPROVAL}; the provider is built with
     * {@code backchannelAuthentication(true)}): the mapping from the call's arguments to what the user approves. The
     * token the user approves serves that call only. Default: no approval per call ({@link #flow()} applies).
     *
     * @since 0.3.0
     */
    Class<? extends ActionApproval<?>> approval() default ActionApproval.None.class;
}
