package dev.agentauth.core.internal;

import java.net.URI;

/** A provider's endpoints after discovery, and whether callbacks must carry {@code iss} (RFC 9207). */
record Endpoints(URI issuer, URI authorization, URI token, URI revocation, boolean issuerParameterRequired,
                 URI deviceAuthorization, URI backchannelAuthentication) {

    Endpoints(URI issuer, URI authorization, URI token, URI revocation, boolean issuerParameterRequired,
              URI deviceAuthorization) {
        this(issuer, authorization, token, revocation, issuerParameterRequired, deviceAuthorization, null);
    }

    Endpoints(URI issuer, URI authorization, URI token, URI revocation, boolean issuerParameterRequired) {
        this(issuer, authorization, token, revocation, issuerParameterRequired, null);
    }
}
