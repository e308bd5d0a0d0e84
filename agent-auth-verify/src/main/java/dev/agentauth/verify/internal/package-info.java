/**
 * The bearer token verifier's implementation (Nimbus's JWT processor per trusted issuer, the issuer's keys found
 * through its metadata), DPoP proof checks and RFC 6750 challenges; not API, may change in any release.
 */
package dev.agentauth.verify.internal;
