package dev.agentauth.tools.internal;

import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.Principal;
import dev.agentauth.core.Provider;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.TokenBroker;
import dev.agentauth.core.TokenRequest;
import dev.agentauth.tools.InjectToken;
import dev.agentauth.tools.AuthenticatedTool;
import dev.agentauth.tools.ToolCredential;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.agent.tool.ToolSpecifications;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.service.tool.DefaultToolExecutor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code @Tool} method bound to its object: the specification the model sees (with the injected credential
 * parameter removed) and how to invoke it. Immutable and thread-safe.
 */
public final class ToolBinding {

    private final ToolSpecification specification;
    private final DefaultToolExecutor invoker;
    private final AuthenticatedTool auth;
    private final String tokenParameter;

    private ToolBinding(ToolSpecification specification, DefaultToolExecutor invoker, AuthenticatedTool auth,
                        String tokenParameter) {
        this.specification = specification;
        this.invoker = invoker;
        this.auth = auth;
        this.tokenParameter = tokenParameter;
    }

    /** Every {@code @Tool} method of {@code object}. */
    public static List<ToolBinding> of(Object object) {
        List<ToolBinding> out = new ArrayList<>();
        for (Method method : object.getClass().getMethods()) {
            if (method.isAnnotationPresent(Tool.class) && !Modifier.isStatic(method.getModifiers())) {
                out.add(bind(object, method));
            }
        }
        for (Method method : object.getClass().getDeclaredMethods()) {
            if (method.isAnnotationPresent(Tool.class) && !Modifier.isPublic(method.getModifiers())
                    && !Modifier.isStatic(method.getModifiers())) {
                method.setAccessible(true);
                out.add(bind(object, method));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(object.getClass().getName() + " has no @Tool method");
        }
        return out;
    }

    private static ToolBinding bind(Object object, Method method) {
        AuthenticatedTool auth = method.getAnnotation(AuthenticatedTool.class);
        String tokenParameter = null;
        boolean credentialParameter = false;
        for (Parameter p : method.getParameters()) {
            if (p.isAnnotationPresent(InjectToken.class)) {
                if (p.getType() != String.class) {
                    throw new IllegalArgumentException("tool " + name(method) + ": @InjectToken parameter '"
                            + p.getName() + "' must be a String; use ToolCredential for the richer type");
                }
                if (tokenParameter != null) {
                    throw new IllegalArgumentException("tool " + name(method) + " has two @InjectToken parameters");
                }
                tokenParameter = parameterName(p);
            }
            credentialParameter |= p.getType() == ToolCredential.class;
        }
        if (auth == null && (tokenParameter != null || credentialParameter)) {
            throw new IllegalArgumentException("tool " + name(method) + " takes a credential but is not annotated"
                    + " @AuthenticatedTool(provider = ...)");
        }
        if (auth != null && tokenParameter == null && !credentialParameter) {
            throw new IllegalArgumentException("tool " + name(method) + " is @AuthenticatedTool but has no parameter"
                    + " to receive the credential: add '@InjectToken String token' or 'ToolCredential credential'");
        }
        ToolSpecification spec = ToolSpecifications.toolSpecificationFrom(method);
        if (tokenParameter != null) {
            spec = withoutParameter(spec, tokenParameter);
        }
        DefaultToolExecutor invoker = DefaultToolExecutor.builder()
                .object(object).originalMethod(method).methodToInvoke(method)
                .wrapToolArgumentsExceptions(true).propagateToolExecutionExceptions(true)
                .build();
        return new ToolBinding(spec, invoker, auth, tokenParameter);
    }

    // The model must neither see nor fill the credential parameter.
    private static ToolSpecification withoutParameter(ToolSpecification spec, String parameter) {
        JsonObjectSchema params = spec.parameters();
        if (params == null) {
            return spec;
        }
        Map<String, JsonSchemaElement> props = new LinkedHashMap<>(params.properties());
        props.remove(parameter);
        List<String> required = params.required() == null ? List.of()
                : params.required().stream().filter(r -> !r.equals(parameter)).toList();
        JsonObjectSchema.Builder b = JsonObjectSchema.builder().description(params.description())
                .addProperties(props).required(required).additionalProperties(params.additionalProperties());
        if (params.definitions() != null && !params.definitions().isEmpty()) {
            b.definitions(params.definitions());
        }
        return spec.toBuilder().parameters(b.build()).build();
    }

    private static String parameterName(Parameter p) {
        P annotation = p.getAnnotation(P.class);
        return annotation != null && !annotation.name().isBlank() ? annotation.name() : p.getName();
    }

    private static String name(Method m) {
        return m.getDeclaringClass().getSimpleName() + "." + m.getName();
    }

    public ToolSpecification specification() {
        return specification;
    }

    public String name() {
        return specification.name();
    }

    DefaultToolExecutor invoker() {
        return invoker;
    }

    boolean authenticated() {
        return auth != null;
    }

    AuthenticatedTool auth() {
        return auth;
    }

    /** The JSON argument name receiving the token, or {@code null} when the tool takes a {@link ToolCredential}. */
    String tokenParameter() {
        return tokenParameter;
    }

    /**
     * Fails fast on what no tool call could get past: a provider the broker does not know, or a tool that needs the
     * user's consent through a browser redirect while the broker has no redirect URI (neither its own nor a loopback
     * callback) and the provider does not use the device authorization grant instead.
     *
     * @throws ConfigurationException naming the tool, the provider and what to configure
     */
    public void checkProvider(TokenBroker broker) {
        if (auth == null) {
            return;
        }
        ProviderId id = ProviderId.of(auth.provider());
        Provider provider = broker.provider(id);
        if (auth.flow().asksUser() && provider.kind() == Provider.Kind.OAUTH2 && !provider.deviceAuthorization()
                && broker.redirectUri().isEmpty()) {
            throw new ConfigurationException("tool " + name() + " needs the user's consent at provider '" + id
                    + "', but the broker has no redirect URI to send the browser back to: configure"
                    + " TokenBroker.builder().redirectUri(...) (your application's OAuth callback) or"
                    + " .loopbackCallback(), or let the provider use the device authorization grant"
                    + " (ProviderBuilder.deviceAuthorization(true))", id, null);
        }
    }

    /** The token request of this tool for {@code principal}. */
    TokenRequest tokenRequest(Principal principal) {
        Principal p = auth.flow().actsAsAgent() ? Principal.agent(principal.agent()) : principal;
        return TokenRequest.builder().provider(auth.provider()).scopes(Scopes.of(auth.scopes())).principal(p)
                .flow(auth.flow()).agentScoped(auth.agentScoped()).build();
    }
}
