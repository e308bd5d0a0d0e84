package dev.agentauth.verify;

import dev.agentauth.verify.internal.BearerChallenge;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Jakarta Servlet (6.x) counterpart of {@link BearerTokenFilter}: the same checks and answers, and it serves the
 * protected resource metadata at {@link ProtectedResourceMetadata#metadataPath()} when mapped there too. Needs
 * {@code jakarta.servlet:jakarta.servlet-api} on the class path (an optional dependency of agent-auth-verify):
 *
 * <pre>{@code
 * context.addFilter("bearer", BearerTokenServletFilter.create(verifier, metadata))
 *        .addMappingForUrlPatterns(null, false, "/mcp/*", ProtectedResourceMetadata.WELL_KNOWN + "/*");
 * }</pre>
 *
 * <p>A verified token is the request attribute {@link VerifiedToken#ATTRIBUTE}. Thread-safe.
 */
public final class BearerTokenServletFilter implements Filter {

    private static final Logger log = LoggerFactory.getLogger(BearerTokenServletFilter.class);

    private final TokenVerifier verifier;
    private final ProtectedResourceMetadata metadata;

    private BearerTokenServletFilter(TokenVerifier verifier, ProtectedResourceMetadata metadata) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.metadata = metadata;
    }

    /** A filter; {@code metadata} may be {@code null}. */
    public static BearerTokenServletFilter create(TokenVerifier verifier, ProtectedResourceMetadata metadata) {
        return new BearerTokenServletFilter(verifier, metadata);
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            throw new ServletException("BearerTokenServletFilter serves HTTP requests only");
        }
        if (metadata != null && metadata.metadataPath().equals(request.getRequestURI())) {
            if (!"GET".equals(request.getMethod())) {
                response.setHeader("Allow", "GET");
                response.sendError(405);
                return;
            }
            response.setStatus(200);
            response.setContentType("application/json");
            response.setHeader("Cache-Control", "max-age=300");
            response.getOutputStream().write(metadata.toJson().getBytes(StandardCharsets.UTF_8));
            return;
        }
        VerifiedToken token;
        try {
            List<String> headers = request.getHeaders("Authorization") == null ? List.of()
                    : Collections.list(request.getHeaders("Authorization"));
            List<String> proofs = request.getHeaders("DPoP") == null ? List.of()
                    : Collections.list(request.getHeaders("DPoP"));
            String host = request.getHeader("Host");
            token = BearerChallenge.verify(verifier, headers, proofs, request.getMethod(),
                    BearerChallenge.requestUri(metadata, request.getScheme(), host, request.getRequestURI()));
        } catch (TokenVerificationException e) {
            BearerChallenge.Refusal refusal = BearerChallenge.refusal(e, metadata);
            log.debug("{} {} refused: {} ({})", request.getMethod(), request.getRequestURI(), refusal.reason(),
                    e.getMessage());
            response.setStatus(refusal.status());
            response.setHeader("WWW-Authenticate", refusal.wwwAuthenticate());
            response.setHeader("Cache-Control", "no-store");
            if (refusal.status() == 503) {
                response.setHeader("Retry-After", "30");
            }
            response.setContentType("application/json");
            response.getOutputStream().write(refusal.body().getBytes(StandardCharsets.UTF_8));
            return;
        }
        request.setAttribute(VerifiedToken.ATTRIBUTE, token);
        chain.doFilter(request, response);
    }
}
