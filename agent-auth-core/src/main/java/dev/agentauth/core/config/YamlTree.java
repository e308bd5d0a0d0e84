package dev.agentauth.core.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;

/** YAML text to a Jackson tree, keeping every scalar as written; syntax errors described without quoting the file. */
final class YamlTree {

    /** Thread-safe once configured; duplicate keys are an error rather than "last one wins". */
    static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());

    private YamlTree() {
    }

    /**
     * Jackson's tree model, except that every scalar is kept as the text written in the file. {@code readTree} would
     * turn {@code 0123} into the octal number 83 and {@code 1234.5670} into {@code 1234.567}: a client id or key that
     * looks like a number must not change. Typed keys (durations, ports, booleans) are converted from text later.
     */
    static JsonNode readTree(String yaml) throws IOException {
        try (JsonParser parser = YAML.createParser(yaml)) {
            JsonToken token = parser.nextToken();
            return token == null ? MissingNode.getInstance() : node(parser, token);
        }
    }

    private static JsonNode node(JsonParser parser, JsonToken token) throws IOException {
        JsonNodeFactory nodes = YAML.getNodeFactory();
        switch (token) {
            case START_OBJECT -> {
                ObjectNode object = nodes.objectNode();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    object.set(key, node(parser, parser.nextToken()));
                }
                return object;
            }
            case START_ARRAY -> {
                ArrayNode array = nodes.arrayNode();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    array.add(node(parser, t));
                }
                return array;
            }
            case VALUE_NULL -> {
                return nodes.nullNode();
            }
            default -> {
                return nodes.textNode(parser.getText());
            }
        }
    }

    static String describeSyntaxError(JacksonException e) {
        JsonLocation loc = e.getLocation();
        int line = loc != null ? loc.getLineNr() : -1;
        int column = loc != null ? loc.getColumnNr() : -1;
        String original = e.getOriginalMessage();
        if (original != null && original.startsWith("Duplicate field '")) {
            String where = line > 0 ? " at line " + line + ", column " + column : "";
            int end = original.indexOf('\'', "Duplicate field '".length());
            String key = end > 0 ? original.substring("Duplicate field '".length(), end) : "?";
            return "duplicate key '" + key + "'" + where + "; each key may appear once per mapping";
        }
        String problem = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m) {
                // The problem is a fixed phrase such as "mapping values are not allowed here"; the context and marks,
                // which quote the file, are left out.
                problem = m.getProblem();
                if (m.getProblemMark() != null) {
                    line = m.getProblemMark().getLine() + 1; // SnakeYAML counts from 0
                    column = m.getProblemMark().getColumn() + 1;
                }
                break;
            }
        }
        String where = line > 0 ? " at line " + line + ", column " + column : "";
        return "not valid YAML" + where + (problem != null ? " (" + problem + ")" : "")
                + "; check the indentation, that each ':' is followed by a space, and quote values containing"
                + " ': ', ' #' or starting with a special character";
    }
}
