package dev.agentauth.core.internal;

import java.time.Duration;

/** Timeouts applied to every HTTP call the broker makes. */
public record HttpSettings(Duration connectTimeout, Duration readTimeout) {

    public int connectMillis() {
        return (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
    }

    public int readMillis() {
        return (int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis());
    }
}
