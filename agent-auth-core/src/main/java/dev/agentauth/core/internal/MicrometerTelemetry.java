package dev.agentauth.core.internal;

import dev.agentauth.core.Telemetry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

/**
 * {@link Telemetry} on Micrometer's Observation API: each span is an {@link Observation} with low-cardinality key
 * values, so the registry's handlers make timers (metrics) and spans (tracing) of it. Loaded only when an
 * application passes an {@link ObservationRegistry}. Thread-safe.
 */
public final class MicrometerTelemetry implements Telemetry {

    private final ObservationRegistry registry;

    public MicrometerTelemetry(ObservationRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Span start(String name) {
        Observation observation = Observation.createNotStarted(name, registry).start();
        return new Span() {
            @Override
            public Span tag(String key, String value) {
                observation.lowCardinalityKeyValue(key, value == null ? "none" : value);
                return this;
            }

            @Override
            public Span error(Throwable error) {
                observation.lowCardinalityKeyValue("exception", error.getClass().getSimpleName());
                return this;
            }

            @Override
            public void stop() {
                observation.stop();
            }
        };
    }
}
