package dev.agentauth.tools.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentauth.core.ConsentId;
import dev.agentauth.core.ConsentRequirement;
import dev.agentauth.core.Principal;
import dev.agentauth.core.ProviderId;
import dev.agentauth.core.Scopes;
import dev.agentauth.core.store.StoredInterrupt;
import dev.agentauth.tools.ConsentInterrupt;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.invocation.InvocationParameters;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.tool.ToolExecutionResult;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.Type;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An interrupted turn to and from the JSON payload of a {@link StoredInterrupt}, so any replica can resume it. The
 * payload holds the AI-service call (interface, method, arguments, each as JSON of its declared type), the memory id,
 * the principal, the turn's tool calls, the consents they wait for, the results of those that ran, and the card. It
 * holds no credential: tool calls are stored as the model made them, before any token is injected. Arguments that
 * Jackson cannot write are left out (the turn then resumes with the agent's own model loop), and a warning names
 * the argument's type. Thread-safe (stateless).
 */
final class InterruptCodec {

    private static final Logger log = LoggerFactory.getLogger(InterruptCodec.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int VERSION = 1;

    /** The AI-service interfaces this agent built, by name, to read arguments back as their declared types. */
    private final Function<String, Class<?>> services;

    InterruptCodec(Function<String, Class<?>> services) {
        this.services = services;
    }

    String encode(InterruptRegistry.Interrupted s) {
        ObjectNode root = JSON.createObjectNode();
        root.put("v", VERSION);
        root.put("user", s.principal.user());
        root.put("agent", s.principal.agent());
        root.set("memoryId", memoryId(s.memoryId));
        if (s.call != null) {
            ObjectNode call = root.putObject("call");
            call.put("interface", s.call.interfaceName());
            call.put("method", s.call.methodName());
            JsonNode arguments = arguments(s.call);
            if (arguments != null) {
                call.set("arguments", arguments);
            }
            Class<?> type = services.apply(s.call.interfaceName());
            Method method = type == null || s.call.arguments() == null ? null
                    : find(type, s.call.methodName(), s.call.arguments());
            if (method != null) {
                ArrayNode types = call.putArray("parameterTypes");
                for (Class<?> t : method.getParameterTypes()) {
                    types.add(t.getName());
                }
            }
        }
        if (s.parameters != null) {
            root.set("invocationParameters", JSON.valueToTree(s.parameters.asMap()));
        }
        ArrayNode batch = root.putArray("batch");
        for (ToolExecutionRequest r : s.batch) {
            batch.addObject().put("id", r.id()).put("name", r.name()).put("arguments", r.arguments());
        }
        ObjectNode consents = root.putObject("consents");
        s.consentByCall.forEach((callId, c) -> consents.set(callId, consent(c)));
        ObjectNode completed = root.putObject("completed");
        s.journal.completed.forEach((callId, r) -> completed.putObject(callId).put("text", r.resultText())
                .put("isError", r.isError()));
        root.put("snapshot", s.snapshot.toJson());
        return root.toString();
    }

    InterruptRegistry.Interrupted decode(StoredInterrupt stored, TurnJournals.Journal journal) {
        JsonNode root;
        try {
            root = JSON.readTree(stored.payload());
        } catch (Exception e) {
            throw new dev.agentauth.core.AgentAuthException("interrupt " + stored.id() + " in the interrupt store is"
                    + " not readable (its payload is not JSON): it cannot be resumed; the user asks again", null,
                    Principal.of(stored.user(), stored.agent()));
        }
        if (root.path("v").asInt() != VERSION) {
            throw new dev.agentauth.core.ConfigurationException("interrupt " + stored.id() + " was written by a newer"
                    + " agent-auth (payload version " + root.path("v").asInt() + "); upgrade this replica", null,
                    null);
        }
        ServiceCall call = null;
        Method method = null;
        JsonNode callNode = root.get("call");
        if (callNode != null) {
            String iface = callNode.path("interface").asText();
            String name = callNode.path("method").asText();
            JsonNode args = callNode.get("arguments");
            Class<?> type = services.apply(iface);
            List<String> parameterTypes = null;
            if (callNode.has("parameterTypes")) {
                parameterTypes = new ArrayList<>();
                for (JsonNode t : callNode.get("parameterTypes")) {
                    parameterTypes.add(t.asText());
                }
            }
            method = type == null || args == null ? null : find(type, name, args.size(), parameterTypes);
            call = new ServiceCall(iface, name, method == null ? null : readArguments(method, args), parameterTypes);
        }
        Map<String, Object> params = root.has("invocationParameters")
                ? JSON.convertValue(root.get("invocationParameters"), LinkedHashMap.class) : null;
        List<ToolExecutionRequest> batch = new ArrayList<>();
        for (JsonNode r : root.path("batch")) {
            batch.add(ToolExecutionRequest.builder().id(r.path("id").asText()).name(r.path("name").asText())
                    .arguments(r.path("arguments").isNull() ? null : r.path("arguments").asText()).build());
        }
        Object memoryId = memoryId(root.path("memoryId"), method, call);
        InterruptRegistry.Interrupted s = new InterruptRegistry.Interrupted(stored.id(), new UUID(0, 0), memoryId,
                Principal.of(root.path("user").isNull() ? null : root.path("user").asText(),
                        root.path("agent").asText()), params == null ? null : new InvocationParameters(params),
                List.copyOf(batch), journal, call);
        root.path("consents").fields().forEachRemaining(e -> s.consentByCall.put(e.getKey(), consent(e.getValue())));
        root.path("completed").fields().forEachRemaining(e -> journal.completed.put(e.getKey(),
                ToolExecutionResult.builder().resultText(e.getValue().path("text").asText())
                        .isError(e.getValue().path("isError").asBoolean()).build()));
        s.snapshot = ConsentInterrupt.fromJson(root.path("snapshot").asText());
        s.settled = true;
        return s;
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
        if (!type.isPrimitive()) {
            return type;
        }
        return java.lang.invoke.MethodType.methodType(type).wrap().returnType();
    }

    private JsonNode arguments(ServiceCall call) {
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
                log.warn("argument {} of {}.{} ({}) cannot be kept as JSON: a resume of this turn continues with the"
                                + " agent's own model loop instead of the AI service", i, call.interfaceName(),
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
                out.add(new InvocationParameters(JSON.convertValue(a.get("invocationParameters"),
                        LinkedHashMap.class)));
            } else {
                JsonNode json = a.get("json");
                out.add(json == null || json.isNull() ? null
                        : JSON.convertValue(json, JSON.getTypeFactory().constructType(types[i])));
            }
        }
        return out;
    }

    private static JsonNode memoryId(Object id) {
        ObjectNode n = JSON.createObjectNode();
        if (id instanceof UUID u) {
            n.put("type", "uuid").put("value", u.toString());
        } else if (id instanceof Integer i) {
            n.put("type", "int").put("value", i);
        } else if (id instanceof Long l) {
            n.put("type", "long").put("value", l);
        } else {
            n.put("type", "string").put("value", String.valueOf(id));
        }
        return n;
    }

    /** The memory id: the @MemoryId argument read back when the call's arguments are known, else the stored form. */
    private static Object memoryId(JsonNode n, Method method, ServiceCall call) {
        if (method != null && call.arguments() != null) {
            Parameter[] ps = method.getParameters();
            for (int i = 0; i < ps.length; i++) {
                if (ps[i].isAnnotationPresent(MemoryId.class) && call.arguments().get(i) != null) {
                    return call.arguments().get(i);
                }
            }
        }
        String value = n.path("value").asText();
        return switch (n.path("type").asText()) {
            case "uuid" -> UUID.fromString(value);
            case "int" -> n.path("value").asInt();
            case "long" -> n.path("value").asLong();
            default -> value;
        };
    }

    private static JsonNode consent(ConsentRequirement c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", c.id().value()).put("provider", c.provider().value()).put("displayName", c.providerDisplayName())
                .put("scopes", c.scopes().join(" ")).put("authorizationUri", c.authorizationUri().toString())
                .put("expiresAt", c.expiresAt().toString()).put("user", c.principal().user())
                .put("agent", c.principal().agent());
        if (c.device() != null) {
            n.put("userCode", c.device().userCode()).put("verificationUri", c.device().verificationUri().toString())
                    .put("verificationUriComplete", c.device().verificationUriComplete() == null ? null
                            : c.device().verificationUriComplete().toString())
                    .put("interval", c.device().interval().toSeconds());
        }
        return n;
    }

    private static ConsentRequirement consent(JsonNode n) {
        String scopes = n.path("scopes").asText();
        return new ConsentRequirement(new ConsentId(n.path("id").asText()), ProviderId.of(n.path("provider").asText()),
                n.path("displayName").asText(), scopes.isBlank() ? Scopes.NONE : Scopes.of(scopes.split(" ")),
                URI.create(n.path("authorizationUri").asText()), Instant.parse(n.path("expiresAt").asText()),
                Principal.of(n.path("user").isNull() ? null : n.path("user").asText(), n.path("agent").asText()),
                !n.hasNonNull("userCode") ? null : new ConsentRequirement.DeviceCode(n.path("userCode").asText(),
                        URI.create(n.path("verificationUri").asText()), n.hasNonNull("verificationUriComplete")
                        ? URI.create(n.path("verificationUriComplete").asText()) : null,
                        java.time.Duration.ofSeconds(n.path("interval").asLong(5))));
    }
}
