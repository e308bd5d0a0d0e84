package dev.agentauth.langchain4j.internal;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentauth.agent.ToolDescriptor;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonBooleanSchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonNumberSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import java.util.List;
import java.util.Map;

/**
 * A {@link ToolDescriptor} (a tool source's tool, its input a JSON Schema as MCP sends it) as a LangChain4j
 * {@link ToolSpecification}. Shapes LangChain4j's schema elements cannot say become strings. Stateless.
 */
final class SchemaElements {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SchemaElements() {
    }

    static ToolSpecification specification(ToolDescriptor tool) {
        ToolSpecification.Builder b = ToolSpecification.builder().name(tool.name());
        if (tool.description() != null) {
            b.description(tool.description());
        }
        Map<String, Object> schema = parse(tool.inputSchema());
        if (schema != null && schema.get("properties") instanceof Map<?, ?> props && !props.isEmpty()) {
            b.parameters((JsonObjectSchema) element(schema));
        }
        return b.build();
    }

    private static Map<String, Object> parse(String schema) {
        if (schema == null || schema.isBlank()) {
            return null;
        }
        try {
            return JSON.readValue(schema, new TypeReference<Map<String, Object>>() { });
        } catch (Exception e) {
            return null;
        }
    }

    /** A JSON Schema object as LangChain4j's schema elements; unknown shapes become strings. */
    @SuppressWarnings("unchecked")
    static JsonSchemaElement element(Map<String, Object> schema) {
        String description = schema.get("description") instanceof String d ? d : null;
        Object type = schema.get("type");
        if (type instanceof List<?> types) {
            type = types.stream().map(String::valueOf).filter(t -> !"null".equals(t)).findFirst().orElse("string");
        }
        if (schema.get("enum") instanceof List<?> values) {
            return JsonEnumSchema.builder().description(description)
                    .enumValues(values.stream().map(String::valueOf).toList()).build();
        }
        if ("object".equals(type) || schema.containsKey("properties")) {
            JsonObjectSchema.Builder o = JsonObjectSchema.builder().description(description);
            if (schema.get("properties") instanceof Map<?, ?> props) {
                props.forEach((name, value) -> {
                    if (value instanceof Map<?, ?> child) {
                        o.addProperty(String.valueOf(name), element((Map<String, Object>) child));
                    }
                });
            }
            if (schema.get("required") instanceof List<?> required) {
                o.required(required.stream().map(String::valueOf).toList());
            }
            return o.build();
        }
        if ("array".equals(type)) {
            JsonSchemaElement items = schema.get("items") instanceof Map<?, ?> i
                    ? element((Map<String, Object>) i) : JsonStringSchema.builder().build();
            return JsonArraySchema.builder().description(description).items(items).build();
        }
        if ("integer".equals(type)) {
            return JsonIntegerSchema.builder().description(description).build();
        }
        if ("number".equals(type)) {
            return JsonNumberSchema.builder().description(description).build();
        }
        if ("boolean".equals(type)) {
            return JsonBooleanSchema.builder().description(description).build();
        }
        return JsonStringSchema.builder().description(description).build();
    }
}
