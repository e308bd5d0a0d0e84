package dev.agentauth.agent.spi;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentauth.agent.ActionApproval;
import dev.agentauth.agent.AuthenticatedTool;
import dev.agentauth.agent.InjectToken;
import dev.agentauth.agent.ToolCall;
import dev.agentauth.core.Approval;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Flow;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.Objects;
import java.util.function.Function;

/**
 * One tool as the agent core runs it: its name, its description (for consent cards), whether it needs a credential
 * ({@link AuthenticatedTool}) and where the token goes, and the adapter's {@link ToolInvoker} that runs the tool's own
 * code. Adapters build one per tool their framework discovered (LangChain4j's {@code @Tool} methods, Spring AI's tool
 * callbacks), after checking the method with {@link #inspect}. Immutable and thread-safe.
 *
 * @since 0.3.0
 */
public final class ToolBinding {

    private final String name;
    private final String description;
    private final AuthenticatedTool auth;
    private final String tokenArgument;
    private final ToolInvoker invoker;
    /** The annotation read once: its provider id and scopes parsed, so that a call builds only its principal. */
    private final ProviderId provider;
    private final Scopes scopes;
    private final Flow flow;
    private final boolean agentScoped;
    /** The tool's {@link AuthenticatedTool#approval()}, or {@code null}: each call is then approved on its own. */
    private final ActionApproval<?> approval;
    private final String useName;
    private static final ObjectMapper ARGUMENTS = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private ToolBinding(String name, String description, AuthenticatedTool auth, String tokenArgument,
                        ToolInvoker invoker) {
        this.name = Objects.requireNonNull(name, "name");
        this.description = description;
        this.auth = auth;
        this.tokenArgument = tokenArgument;
        this.invoker = Objects.requireNonNull(invoker, "invoker");
        this.provider = auth == null ? null : ProviderId.of(auth.provider());
        this.scopes = auth == null ? null : Scopes.of(auth.scopes());
        this.approval = auth == null ? null : approvalOf(name, auth);
        this.flow = auth == null ? null : approval != null ? Flow.USER_APPROVAL : auth.flow();
        this.agentScoped = auth != null && auth.agentScoped();
        this.useName = "tool " + name;
    }

    /**
     * How the audit trail names this tool's use of a token ({@code "tool <name>"}; see
     * {@link dev.agentauth.core.TokenBroker#recordUse}).
     *
     * @since 0.3.0
     */
    public String useName() {
        return useName;
    }

    private static ActionApproval<?> approvalOf(String tool, AuthenticatedTool auth) {
        Class<? extends ActionApproval<?>> type = auth.approval();
        if (type == ActionApproval.None.class) {
            return null;
        }
        if (auth.flow() != Flow.USER_CONSENT && auth.flow() != Flow.USER_APPROVAL) {
            throw new IllegalArgumentException("tool " + tool + ": an approval per call is its own flow"
                    + " (USER_APPROVAL); remove flow = " + auth.flow());
        }
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException("tool " + tool + ": approval " + type.getName() + " needs a public"
                    + " no-argument constructor (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** A tool without a credential: the core journals its calls and nothing else. */
    public static ToolBinding plain(String name, String description, ToolInvoker invoker) {
        return new ToolBinding(name, description, null, null, invoker);
    }

    /**
     * An {@link AuthenticatedTool}: the core gets its credential for each call's principal and writes the token into
     * argument {@code tokenArgument} of the call (when not {@code null}) before {@code invoker} runs it.
     */
    public static ToolBinding authenticated(String name, String description, AuthenticatedTool auth,
                                            String tokenArgument, ToolInvoker invoker) {
        return new ToolBinding(name, description, Objects.requireNonNull(auth, "auth"), tokenArgument, invoker);
    }

    /**
     * What a tool method declares about its credential, checked as every adapter must: an {@link InjectToken}
     * parameter is a {@code String} and there is at most one; a method that takes a credential is an
     * {@link AuthenticatedTool}, and an {@link AuthenticatedTool} takes one.
     *
     * @param method         the tool method
     * @param argumentName   the name under which the framework passes a parameter in the tool's JSON arguments
     * @param credentialType the framework's credential parameter type (a parameter of it receives the credential;
     *                       e.g. LangChain4j's managed {@code ToolCredential}), or {@code null} for none
     * @throws IllegalArgumentException the method breaks one of these rules (the message says which, and how to fix
     *                                  it)
     */
    public static Declared inspect(Method method, Function<Parameter, String> argumentName,
                                   Class<?> credentialType) {
        AuthenticatedTool auth = method.getAnnotation(AuthenticatedTool.class);
        String tokenArgument = null;
        boolean credentialParameter = false;
        String tool = method.getDeclaringClass().getSimpleName() + "." + method.getName();
        for (Parameter p : method.getParameters()) {
            if (p.isAnnotationPresent(InjectToken.class)) {
                if (p.getType() != String.class) {
                    throw new IllegalArgumentException("tool " + tool + ": @InjectToken parameter '" + p.getName()
                            + "' must be a String; use the credential parameter type for the richer credential");
                }
                if (tokenArgument != null) {
                    throw new IllegalArgumentException("tool " + tool + " has two @InjectToken parameters");
                }
                tokenArgument = argumentName.apply(p);
            }
            credentialParameter |= credentialType != null && p.getType() == credentialType;
        }
        if (auth == null && (tokenArgument != null || credentialParameter)) {
            throw new IllegalArgumentException("tool " + tool + " takes a credential but is not annotated"
                    + " @AuthenticatedTool(provider = ...)");
        }
        if (auth != null && tokenArgument == null && !credentialParameter) {
            throw new IllegalArgumentException("tool " + tool + " is @AuthenticatedTool but has no parameter to"
                    + " receive the credential: add '@InjectToken String token'" + (credentialType == null ? ""
                    : " or '" + credentialType.getSimpleName() + " credential'"));
        }
        return new Declared(auth, tokenArgument, credentialParameter);
    }

    /**
     * What {@link #inspect} found.
     *
     * @param auth                the annotation, or {@code null} for a plain tool
     * @param tokenArgument       the JSON argument that receives the token, or {@code null}
     * @param credentialParameter whether a parameter receives the credential object
     */
    public record Declared(AuthenticatedTool auth, String tokenArgument, boolean credentialParameter) {
    }

    public String name() {
        return name;
    }

    /** What the tool does (its description for the model), or {@code null}. */
    public String description() {
        return description;
    }

    /** Whether calls need a credential. */
    public boolean authenticated() {
        return auth != null;
    }

    /** The annotation of an authenticated tool, or {@code null}. */
    public AuthenticatedTool auth() {
        return auth;
    }

    /**
     * Whether each call is approved by its user on their device, as exactly that action
     * ({@link AuthenticatedTool#approval()}): its token then serves that call only.
     *
     * @since 0.3.0
     */
    public boolean approvedPerCall() {
        return approval != null;
    }

    /** The JSON argument receiving the token, or {@code null}. */
    public String tokenArgument() {
        return tokenArgument;
    }

    public ToolInvoker invoker() {
        return invoker;
    }

    /**
     * Fails fast on what no call of this tool could get past: a provider the broker does not know, or a tool that
     * needs the user's consent through a browser redirect while the broker has no redirect URI (neither its own nor a
     * loopback callback) and the provider does not use the device authorization grant instead.
     *
     * @throws ConfigurationException naming the tool, the provider and what to configure
     */
    public void checkProvider(TokenBroker broker) {
        if (auth == null) {
            return;
        }
        ProviderId id = ProviderId.of(auth.provider());
        Provider provider = broker.provider(id);
        if (approval != null && !provider.backchannelAuthentication()) {
            throw new ConfigurationException("tool " + name + " asks its user to approve each call on their device,"
                    + " but provider '" + id + "' takes no backchannel approvals: build it with"
                    + " backchannelAuthentication(true) (OpenID CIBA)", id, null);
        }
        if (approval == null && auth.flow().asksUser() && provider.kind() == Provider.Kind.OAUTH2 && !provider.deviceAuthorization()
                && broker.redirectUri().isEmpty()) {
            throw new ConfigurationException("tool " + name + " needs the user's consent at provider '" + id
                    + "', but the broker has no redirect URI to send the browser back to: configure"
                    + " TokenBroker.builder().redirectUri(...) (your application's OAuth callback) or"
                    + " .loopbackCallback(), or let the provider use the device authorization grant"
                    + " (ProviderBuilder.deviceAuthorization(true))", id, null);
        }
    }

    /**
     * The token request of this (authenticated) tool's {@code call} for {@code principal}: for a tool approved per
     * call, the approval its {@link ActionApproval} maps the call's arguments to.
     *
     * @throws IllegalArgumentException the arguments do not fit the approval's arguments type, or the mapping refused
     *                                  them (the message is safe to tell the model)
     * @since 0.3.0
     */
    public TokenRequest tokenRequest(Principal principal, ToolCall call) {
        if (approval == null) {
            return tokenRequest(principal);
        }
        return TokenRequest.builder().provider(provider).scopes(scopes).principal(principal).agentScoped(agentScoped)
                .approval(approve(approval, call)).build();
    }

    private static <A> Approval approve(ActionApproval<A> approval, ToolCall call) {
        A arguments;
        try {
            String json = call.arguments().isBlank() ? "{}" : call.arguments();
            arguments = ARGUMENTS.readValue(json, approval.argumentsType());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the arguments of " + call.name() + " do not describe an action that"
                    + " can be approved");
        }
        Approval a = approval.approval(arguments);
        if (a == null) {
            throw new IllegalArgumentException("the call of " + call.name() + " describes no action to approve");
        }
        return a;
    }

    /** The token request of this (authenticated) tool for {@code principal}. */
    public TokenRequest tokenRequest(Principal principal) {
        Principal p = flow.actsAsAgent() ? Principal.agent(principal.agent()) : principal;
        return new TokenRequest(provider, scopes, p, flow, agentScoped, false, null, null);
    }

    @Override
    public String toString() {
        return "ToolBinding[" + name + (auth != null ? ", provider=" + auth.provider() : "") + "]";
    }
}
