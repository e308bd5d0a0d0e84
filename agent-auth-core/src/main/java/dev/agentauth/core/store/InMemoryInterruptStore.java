package dev.agentauth.core.store;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** {@link InterruptStore#inMemory()}: one concurrent map; {@link #takeInterrupt} is its atomic remove. */
final class InMemoryInterruptStore implements InterruptStore {

    private final ConcurrentHashMap<String, StoredInterrupt> interrupts = new ConcurrentHashMap<>();

    @Override
    public void saveInterrupt(StoredInterrupt interrupt) {
        interrupts.put(interrupt.id(), interrupt);
    }

    @Override
    public Optional<StoredInterrupt> findInterrupt(String id) {
        return Optional.ofNullable(interrupts.get(id));
    }

    @Override
    public Optional<StoredInterrupt> takeInterrupt(String id) {
        return Optional.ofNullable(interrupts.remove(id));
    }

    @Override
    public List<StoredInterrupt> findInterruptsByUser(String user) {
        return interrupts.values().stream().filter(i -> i.user().equals(user))
                .sorted(Comparator.comparing(StoredInterrupt::createdAt)).toList();
    }

    @Override
    public int purgeExpiredInterrupts(Instant now) {
        int before = interrupts.size();
        interrupts.values().removeIf(i -> i.purgeAt().isBefore(now));
        return Math.max(0, before - interrupts.size());
    }

    @Override
    public String toString() {
        return "InMemoryInterruptStore[" + interrupts.size() + " interrupts]";
    }
}
