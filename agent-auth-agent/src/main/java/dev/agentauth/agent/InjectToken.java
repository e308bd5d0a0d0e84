package dev.agentauth.agent;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the {@code String} parameter of an {@link AuthenticatedTool} method that receives the access token (or API
 * key). The parameter is removed from the tool's JSON schema, and any value the model sends under its name is
 * ignored.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface InjectToken {
}
