package dev.agentauth.faults.harness;

import dev.agentauth.core.store.jdbc.PostgresTokenStoreBuilder;
import dev.agentauth.tools.AuthenticatedAgent;
import java.lang.reflect.Method;
import java.time.Duration;

/**
 * The API the fixes for these faults add, named here and nowhere else, so that the tests compile before it exists
 * and fail for what they test rather than for a missing symbol. When the API lands, replace each reflective call with
 * the direct one (and the names with the types):
 *
 * <ul>
 *   <li>{@code dev.agentauth.core.StoreIntegrityException} (extends {@code AgentAuthException}): a store row failed
 *       its integrity check;</li>
 *   <li>{@code PostgresTokenStoreBuilder.statementTimeout(Duration)};</li>
 *   <li>{@code ConsentCallbackResult.Status.SAVE_PENDING}: the sign-in reached the broker but the store could not take
 *       the grant yet; the broker keeps retrying;</li>
 *   <li>{@code ResumeRejectedException.Reason.IN_PROGRESS}: another replica is running that resume;</li>
 *   <li>{@code AuthenticatedAgent.Builder.resumeRecovery(...)} with values {@code AT_MOST_ONCE} and
 *       {@code AT_LEAST_ONCE}, and {@code AuthenticatedAgent.Builder.resumeLease(Duration)}.</li>
 * </ul>
 *
 * Replicas report exception classes, callback statuses and refusal reasons by name, so the tests compare names.
 */
public final class ApiBeingAdded {

    public static final String STORE_INTEGRITY_EXCEPTION = "dev.agentauth.core.StoreIntegrityException";
    public static final String SAVE_PENDING = "SAVE_PENDING";
    public static final String IN_PROGRESS = "IN_PROGRESS";
    public static final String AT_MOST_ONCE = "AT_MOST_ONCE";
    public static final String AT_LEAST_ONCE = "AT_LEAST_ONCE";

    private ApiBeingAdded() {
    }

    /** {@code builder.statementTimeout(timeout)}; whether the builder has that option. */
    static boolean statementTimeout(PostgresTokenStoreBuilder builder, Duration timeout) {
        return invoke(builder, "statementTimeout", Duration.class, timeout);
    }

    /** {@code builder.resumeLease(lease)}; whether the builder has that option. */
    static boolean resumeLease(AuthenticatedAgent.Builder builder, Duration lease) {
        return invoke(builder, "resumeLease", Duration.class, lease);
    }

    /** {@code builder.resumeRecovery(<enum>.valueOf(mode))}; whether the builder has that option. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static boolean resumeRecovery(AuthenticatedAgent.Builder builder, String mode) {
        for (Method m : builder.getClass().getMethods()) {
            if (m.getName().equals("resumeRecovery") && m.getParameterCount() == 1
                    && m.getParameterTypes()[0].isEnum()) {
                try {
                    m.invoke(builder, Enum.valueOf((Class<? extends Enum>) m.getParameterTypes()[0], mode));
                    return true;
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("resumeRecovery(" + mode + ") failed", e);
                }
            }
        }
        return false;
    }

    private static boolean invoke(Object target, String name, Class<?> type, Object value) {
        Method m;
        try {
            m = target.getClass().getMethod(name, type);
        } catch (NoSuchMethodException e) {
            return false;
        }
        try {
            m.invoke(target, value);
            return true;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(name + " failed", e);
        }
    }
}
