package dev.agentauth.langchain4j.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentauth.agent.spi.Continuation;
import dev.agentauth.agent.spi.Turn;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.invocation.InvocationParameters;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A LangChain4j turn's {@link Continuation}: the AI-service call it began with (interface, method, its arguments as
 * JSON of their declared types, the parameter types that tell overloads apart) and its invocation parameters — what a
 * resume needs to call the method again, on any replica, and to give the waiting tool calls their invocation context.
 * Arguments Jackson cannot write leave the turn without a continuation (a resume of it is then refused as not
 * continuable, never continued another way), and a warning names the argument's type. Thread-safe.
 */
final class Continuations {

    static final String ADAPTER = "langchain4j";
    private static final Logger log = LoggerFactory.getLogger(Continuations.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A continuation read back. */
    record Decoded(ServiceCall call, InvocationParameters parameters) {
    }

    private final Services services;

    Continuations(Services services) {
        this.services = services;
    }

    /** The continuation of {@code context}'s AI-service call, or {@code null} when it cannot be kept. */
    Continuation of(InvocationContext context) {
        ServiceCall call = ServiceCall.of(context);
        if (call == null) {
            return null;
        }
        ObjectNode root = JSON.createObjectNode();
        ObjectNode c = root.putObject("call");
        c.put("interface", call.interfaceName());
        c.put("method", call.methodName());
        JsonNode arguments = arguments(call);
        if (arguments == null) {
            return null;
        }
        c.set("arguments", arguments);
        Class<?> type = services.type(call.interfaceName());
        Method method = type == null || call.arguments() == null ? null : find(type, call.methodName(),
                call.arguments());
        if (method != null) {
            ArrayNode types = c.putArray("parameterTypes");
            for (Class<?> t : method.getParameterTypes()) {
                types.add(t.getName());
            }
        }
        if (context.invocationParameters() != null) {
            root.set("invocationParameters", JSON.valueToTree(context.invocationParameters().asMap()));
        }
        return new Continuation(ADAPTER, root.toString());
    }

    /** {@code continuation} read back; its arguments {@code null} when this agent has not built its service. */
    Decoded decode(Continuation continuation) {
        JsonNode root;
        try {
            root = JSON.readTree(continuation.state());
        } catch (Exception e) {
            throw new IllegalStateException("unreadable LangChain4j continuation", e);
        }
        JsonNode c = root.path("call");
        String iface = c.path("interface").asText();
        String name = c.path("method").asText();
        JsonNode args = c.get("arguments");
        List<String> parameterTypes = null;
        if (c.has("parameterTypes")) {
            parameterTypes = new ArrayList<>();
            for (JsonNode t : c.get("parameterTypes")) {
                parameterTypes.add(t.asText());
            }
        }
        Class<?> type = services.type(iface);
        Method method = type == null || args == null ? null : find(type, name, args.size(), parameterTypes);
        ServiceCall call = new ServiceCall(iface, name, method == null ? null : readArguments(method, args),
                parameterTypes);
        @SuppressWarnings("unchecked")
        Map<String, Object> params = root.has("invocationParameters")
                ? JSON.convertValue(root.get("invocationParameters"), LinkedHashMap.class) : null;
        return new Decoded(call, params == null ? null : new InvocationParameters(params));
    }

    /**
     * The invocation context of a tool call the core runs on resume: the interrupted call's memory id, invocation
     * parameters and AI-service call, under a new invocation id.
     */
    InvocationContext context(Turn turn) {
        InvocationContext.Builder b = InvocationContext.builder()
                .invocationId(UUID.nameUUIDFromBytes(turn.id().getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .chatMemoryId(turn.memoryId()).timestampNow();
        Continuation continuation = turn.continuation();
        if (continuation == null || !ADAPTER.equals(continuation.adapter())) {
            return b.invocationParameters(new InvocationParameters()).build();
        }
        Decoded d = decode(continuation);
        b.invocationParameters(d.parameters() != null ? d.parameters() : new InvocationParameters());
        return d.call().into(b).build();
    }

    /**
     * The service method {@code name} of {@code type} taking {@code count} arguments — of exactly
     * {@code parameterTypes} (class names) when known, which tells overloads apart — or {@code null}.
     */
    static Method find(Class<?> type, String name, int count, List<String> parameterTypes) {
        return Arrays.stream(type.getMethods()).filter(m -> m.getName().equals(name) && m.getParameterCount() == count
                && !m.isDefault() && (parameterTypes == null || Arrays.stream(m.getParameterTypes())
                .map(Class::getName).toList().equals(parameterTypes))).findFirst().orElse(null);
    }

    /** The service method {@code name} of {@code type} that {@code arguments} can be passed to, or {@code null}. */
    static Method find(Class<?> type, String name, List<Object> arguments) {
        for (Method m : type.getMethods()) {
            if (!m.getName().equals(name) || m.getParameterCount() != arguments.size() || m.isDefault()) {
                continue;
            }
            boolean fits = true;
            Class<?>[] types = m.getParameterTypes();
            for (int i = 0; i < types.length && fits; i++) {
                Object a = arguments.get(i);
                fits = a == null ? !types[i].isPrimitive() : boxed(types[i]).isInstance(a);
            }
            if (fits) {
                return m;
            }
        }
        return null;
    }

    private static Class<?> boxed(Class<?> type) {
        return type.isPrimitive() ? java.lang.invoke.MethodType.methodType(type).wrap().returnType() : type;
    }

    private static JsonNode arguments(ServiceCall call) {
        List<Object> args = call.arguments() == null ? List.of() : call.arguments();
        ArrayNode out = JSON.createArrayNode();
        for (int i = 0; i < args.size(); i++) {
            Object a = args.get(i);
            try {
                if (a instanceof InvocationParameters p) {
                    out.addObject().set("invocationParameters", JSON.valueToTree(p.asMap()));
                } else {
                    out.addObject().set("json", JSON.valueToTree(a));
                }
            } catch (IllegalArgumentException e) {
                log.warn("argument {} of {}.{} ({}) cannot be kept as JSON: this turn cannot be resumed through the AI"
                                + " service, and a resume of it is refused", i, call.interfaceName(),
                        call.methodName(), a.getClass().getName());
                return null;
            }
        }
        return out;
    }

    private static List<Object> readArguments(Method method, JsonNode args) {
        Type[] types = method.getGenericParameterTypes();
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < types.length; i++) {
            JsonNode a = args.get(i);
            if (a.has("invocationParameters")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> map = JSON.convertValue(a.get("invocationParameters"), LinkedHashMap.class);
                out.add(new InvocationParameters(map));
            } else {
                JsonNode json = a.get("json");
                out.add(json == null || json.isNull() ? null
                        : JSON.convertValue(json, JSON.getTypeFactory().constructType(types[i])));
            }
        }
        return out;
    }
}
