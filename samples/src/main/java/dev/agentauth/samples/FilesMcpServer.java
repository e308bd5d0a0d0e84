package dev.agentauth.samples;

import dev.agentauth.verify.TokenVerificationException;
import dev.agentauth.verify.TokenVerifier;
import dev.agentauth.verify.VerifiedToken;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;

/**
 * A protected MCP server over stdio, one process per user: {@code java -cp <class path>
 * dev.agentauth.samples.FilesMcpServer <issuer>}. Its user's token arrives in the environment variable
 * {@value #TOKEN_VARIABLE} (never on the command line) and is verified like any bearer token: audience
 * {@code files}, scope {@code files.read}. Tool {@code files} lists the token subject's files.
 */
public final class FilesMcpServer {

    /** Where the client puts the user's token. */
    public static final String TOKEN_VARIABLE = "DEMO_FILES_TOKEN";

    private FilesMcpServer() {
    }

    public static void main(String[] args) throws Exception {
        TokenVerifier verifier = TokenVerifier.builder().issuer(args[0]).audience("files")
                .requiredScopes("files.read").build();
        McpServer.sync(new StdioServerTransportProvider(McpJsonDefaults.getMapper()))
                .serverInfo("demo-files", "1.0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .tools(List.of(McpServerFeatures.SyncToolSpecification.builder()
                        .tool(McpSchema.Tool.builder().name("files").description("The user's files")
                                .inputSchema(Map.of("type", "object")).build())
                        .callHandler((exchange, request) -> files(verifier, System.getenv(TOKEN_VARIABLE)))
                        .build()))
                .build();
        Thread.currentThread().join();   // the transport serves stdin until it closes
    }

    // Verified on every call: the token may have expired since the process started.
    private static McpSchema.CallToolResult files(TokenVerifier verifier, String token) {
        VerifiedToken caller;
        try {
            caller = verifier.verify(token == null ? "" : token);
        } catch (TokenVerificationException e) {
            return McpSchema.CallToolResult.builder().addTextContent("unauthorized: " + e.reason()).isError(true)
                    .build();
        }
        String user = caller.subject();
        return McpSchema.CallToolResult.builder().addTextContent("Files of " + user + ": " + user + "-report.pdf, "
                + user + "-ideas.txt").isError(false).build();
    }
}
