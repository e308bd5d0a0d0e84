package dev.agentauth.core.store;

import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link InterruptStore#inMemory()}: one map, every transition under the store's monitor (interrupts change a few
 * times in their life; nothing here is on a hot path).
 */
final class InMemoryInterruptStore implements InterruptStore {

    private record Entry(StoredInterrupt interrupt, long epoch, String owner, String progress) {
    }

    private final Map<String, Entry> interrupts = new HashMap<>();

    @Override
    public synchronized void saveInterrupt(StoredInterrupt interrupt) {
        interrupts.putIfAbsent(interrupt.id(), new Entry(interrupt.with(StoredInterrupt.State.OPEN, null), 0, null,
                null));
    }

    @Override
    public synchronized Optional<StoredInterrupt> findInterrupt(String id) {
        Entry e = interrupts.get(id);
        return e == null ? Optional.empty() : Optional.of(e.interrupt());
    }

    @Override
    public synchronized Optional<InterruptClaim> claimInterrupt(String id, String owner, Instant now,
                                                               Instant leaseUntil) {
        Entry e = interrupts.get(id);
        if (e == null || !e.interrupt().resumable(now)) {
            return Optional.empty();
        }
        boolean takeover = e.interrupt().state() == StoredInterrupt.State.RESUMING;
        StoredInterrupt claimed = e.interrupt().with(StoredInterrupt.State.RESUMING, leaseUntil);
        interrupts.put(id, new Entry(claimed, e.epoch() + 1, owner, e.progress()));
        return Optional.of(new InterruptClaim(claimed, owner, e.epoch() + 1, leaseUntil, e.progress(), takeover));
    }

    @Override
    public synchronized boolean renewInterrupt(InterruptClaim claim, Instant leaseUntil, String progress) {
        Entry e = current(claim);
        if (e == null) {
            return false;
        }
        interrupts.put(claim.id(), new Entry(e.interrupt().with(StoredInterrupt.State.RESUMING, leaseUntil), e.epoch(),
                e.owner(), progress != null ? progress : e.progress()));
        return true;
    }

    @Override
    public synchronized boolean finishInterrupt(InterruptClaim claim) {
        return end(claim, StoredInterrupt.State.DONE);
    }

    @Override
    public synchronized boolean releaseInterrupt(InterruptClaim claim) {
        return end(claim, StoredInterrupt.State.OPEN);
    }

    @Override
    public synchronized List<StoredInterrupt> findInterruptsByUser(String user) {
        return interrupts.values().stream().map(Entry::interrupt)
                .filter(i -> i.user().equals(user) && i.state() != StoredInterrupt.State.DONE)
                .sorted(Comparator.comparing(StoredInterrupt::createdAt).thenComparing(StoredInterrupt::id)).toList();
    }

    @Override
    public synchronized int purgeExpiredInterrupts(Instant now) {
        int before = interrupts.size();
        interrupts.values().removeIf(e -> e.interrupt().purgeAt().isBefore(now));
        return before - interrupts.size();
    }

    private boolean end(InterruptClaim claim, StoredInterrupt.State state) {
        Entry e = current(claim);
        if (e == null) {
            return false;
        }
        interrupts.put(claim.id(), new Entry(e.interrupt().with(state, null), e.epoch(), null, e.progress()));
        return true;
    }

    private Entry current(InterruptClaim claim) {
        Entry e = interrupts.get(claim.id());
        return e != null && e.epoch() == claim.epoch() && e.interrupt().state() == StoredInterrupt.State.RESUMING
                ? e : null;
    }

    @Override
    public synchronized String toString() {
        return "InMemoryInterruptStore[" + interrupts.size() + " interrupts]";
    }
}
