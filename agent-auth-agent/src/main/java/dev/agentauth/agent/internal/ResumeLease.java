package dev.agentauth.agent.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentauth.agent.ResumeRejectedException;
import dev.agentauth.agent.spi.ToolResult;
import dev.agentauth.core.AgentAuthException;
import dev.agentauth.core.store.InterruptClaim;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One resume's hold on its interrupt: the store's claim, renewed every third of the lease while the resume runs, and
 * the resume's progress written into it — which waiting tool call has started, which has finished and with what
 * result — before and after each call. A replica that takes over after this one died reads that progress: finished
 * calls are answered with their recorded results, never run again; the call that was in flight is the one
 * {@link dev.agentauth.agent.ResumeRecovery} decides about.
 *
 * <p>When a renewal finds the claim gone (this process stalled past its lease and another took over), the lease is
 * fenced: the next progress write throws {@link ResumeRejectedException} ({@code IN_PROGRESS}) and this resume stops
 * before running anything more. Not thread-safe beyond its heartbeat: one resume's thread uses it.
 */
final class ResumeLease implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ResumeLease.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StoredInterrupts storage;
    private final Duration lease;
    private final InterruptClaim claim;
    /** Calls started under an earlier claim and never finished there. */
    private final Set<String> inFlightBefore = new LinkedHashSet<>();
    private final Set<String> started = new LinkedHashSet<>();
    private final Map<String, ToolResult> done = new LinkedHashMap<>();
    private final ScheduledFuture<?> heartbeat;
    private volatile boolean fenced;
    /** An earlier claim's progress could not be read: any of its calls may have run. */
    private boolean progressUnknown;
    private boolean ended;

    ResumeLease(StoredInterrupts storage, InterruptClaim claim, Duration lease, ScheduledExecutorService scheduler) {
        this.storage = storage;
        this.claim = claim;
        this.lease = lease;
        read(claim.progress());
        long every = Math.max(100, lease.toMillis() / 3);
        this.heartbeat = scheduler.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
    }

    /** Whether an earlier resume of this interrupt died after starting it. */
    boolean takenOver() {
        return claim.takenOver();
    }

    /** The result an earlier claim recorded for {@code callId}. */
    Optional<ToolResult> doneBefore(String callId) {
        return Optional.ofNullable(done.get(callId));
    }

    /** Whether an earlier claim started {@code callId} and died before it finished. */
    boolean inFlightBefore(String callId) {
        return (progressUnknown || inFlightBefore.contains(callId)) && !done.containsKey(callId);
    }

    /** Records, before it runs, that {@code callId} starts. */
    void starting(String callId) {
        started.add(callId);
        write();
    }

    /** {@code callId} failed before it could act (a configuration error): it counts as never started. */
    void notStarted(String callId) {
        if (started.remove(callId)) {
            write();
        }
    }

    /** Records {@code callId}'s result. */
    void finished(String callId, ToolResult result) {
        done.put(callId, result);
        write();
    }

    /** The resume is done: the interrupt becomes a tombstone. */
    void finish() {
        end();
        if (!fenced && !storage.finish(claim)) {
            log.warn("interrupt {}: its resume finished after another replica took it over", claim.id());
        }
    }

    /** The resume stopped early: the interrupt is open again, with the progress recorded so far. */
    @Override
    public void close() {
        if (ended) {
            return;
        }
        end();
        try {
            if (!fenced) {
                storage.release(claim);
            }
        } catch (AgentAuthException e) {
            log.warn("interrupt {}: releasing its resume failed ({}); another resume takes over after the lease",
                    claim.id(), e.getClass().getSimpleName());
        }
    }

    private void end() {
        ended = true;
        heartbeat.cancel(false);
    }

    private void renew() {
        try {
            if (!storage.renew(claim, lease, null)) {
                fenced = true;
                heartbeat.cancel(false);
                log.warn("interrupt {}: another replica took its resume over; this one stops", claim.id());
            }
        } catch (AgentAuthException e) {
            log.debug("interrupt {}: renewing the resume lease failed ({}); retrying", claim.id(),
                    e.getClass().getSimpleName());
        }
    }

    private void write() {
        if (fenced || !storage.renew(claim, lease, progress())) {
            fenced = true;
            throw new ResumeRejectedException(ResumeRejectedException.Reason.IN_PROGRESS, "interrupt " + claim.id()
                    + " was taken over by another resume while this one stalled; it stopped before running more",
                    null, null);
        }
    }

    private String progress() {
        ObjectNode root = JSON.createObjectNode();
        var startedNode = root.putArray("started");
        inFlightBefore.forEach(startedNode::add);
        started.forEach(startedNode::add);
        ObjectNode doneNode = root.putObject("done");
        done.forEach((id, r) -> doneNode.putObject(id).put("text", r.text()).put("isError", r.error()));
        return root.toString();
    }

    private void read(String progress) {
        if (progress == null) {
            return;
        }
        try {
            JsonNode root = JSON.readTree(progress);
            root.path("started").forEach(n -> inFlightBefore.add(n.asText()));
            root.path("done").fields().forEachRemaining(e -> done.put(e.getKey(), new ToolResult(
                    e.getValue().path("text").asText(), e.getValue().path("isError").asBoolean())));
        } catch (Exception e) {
            // Unreadable progress: every call counts as in flight, so none is run twice by mistake.
            progressUnknown = true;
            log.warn("interrupt {}: the recorded resume progress is unreadable ({}); treating it as empty",
                    claim.id(), e.getClass().getSimpleName());
        }
    }
}
