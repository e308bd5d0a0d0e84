package dev.agentauth.core.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.security.PrivateKey;
import java.util.Base64;

/** Freshly generated keys and service-account key files, for tests. */
public final class TestKeys {

    private TestKeys() {
    }

    public static RSAKey rsa(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ECKey ec(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The private key of a generated JWK. */
    public static PrivateKey privateKey(com.nimbusds.jose.jwk.AsymmetricJWK jwk) {
        try {
            return jwk.toPrivateKey();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PKCS#8 PEM, as in a service-account key file. */
    public static String pem(PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes())
                .encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    }

    /** The body of a PEM key: what must never appear in a log. */
    public static String pemBody(PrivateKey key) {
        String b64 = Base64.getEncoder().encodeToString(key.getEncoded());
        return b64.substring(b64.length() - 44, b64.length() - 4); // private material, for RSA and EC alike
    }

    /** A Google-style service-account key file for {@code key}, whose token_uri is {@code tokenUri}. */
    public static String serviceAccountJson(RSAKey key, String clientEmail, String tokenUri) {
        try {
            String pem = pem(key.toPrivateKey()).replace("\n", "\\n");
            return "{\n"
                    + "  \"type\": \"service_account\",\n"
                    + "  \"project_id\": \"agent-auth-test\",\n"
                    + "  \"private_key_id\": \"" + key.getKeyID() + "\",\n"
                    + "  \"private_key\": \"" + pem + "\",\n"
                    + "  \"client_email\": \"" + clientEmail + "\",\n"
                    + "  \"client_id\": \"123456789012345678901\",\n"
                    + "  \"auth_uri\": \"https://accounts.google.com/o/oauth2/auth\",\n"
                    + "  \"token_uri\": \"" + tokenUri + "\",\n"
                    + "  \"universe_domain\": \"googleapis.com\"\n"
                    + "}\n";
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
