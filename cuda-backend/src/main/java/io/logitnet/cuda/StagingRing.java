package io.logitnet.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * Pinned host buffers that uploads go through without waiting for the stream: each buffer has an event recorded after
 * the copy that reads it, and a buffer is refilled only once its own copy has run ({@link Event#synchronize()} on
 * that event alone), never after a wait for everything queued. The copy itself is queued after the kernels before it,
 * so stream order already keeps it from overwriting data they still read. The ring starts with two buffers and, while
 * the next one's copy is still queued, grows up to {@code maxSlots} (a batch bigger than the ring then waits for its
 * own earlier chunks, not for the compute queued before them only when the ring is full).
 */
final class StagingRing implements AutoCloseable {
    /** A pinned buffer and the event after the last copy that reads it. */
    record Slot(PinnedBuffer buffer, Event copied) {
    }

    private final long slotBytes;
    private final int maxSlots;
    private final List<Slot> slots = new ArrayList<>();
    private int next;

    StagingRing(long slotBytes, int maxSlots) {
        this.slotBytes = slotBytes;
        this.maxSlots = maxSlots;
    }

    long slotBytes() {
        return slotBytes;
    }

    int size() {
        return slots.size();
    }

    /**
     * A buffer the host may write now. The caller queues the copy that reads it and then records {@link Slot#copied()}
     * on the stream.
     */
    Slot acquire() {
        if (slots.size() < 2) {
            return add(slots.size());
        }
        Slot s = slots.get(next);
        if (!s.copied().isComplete()) {
            if (slots.size() < maxSlots) {
                return add(next);
            }
            s.copied().synchronize();
        }
        next = (next + 1) % slots.size();
        return s;
    }

    private Slot add(int at) {
        PinnedBuffer b = new PinnedBuffer(slotBytes);
        Event e;
        try {
            e = new Event();
        } catch (RuntimeException ex) {
            b.close();
            throw ex;
        }
        Slot s = new Slot(b, e);
        slots.add(at, s);
        next = (at + 1) % slots.size();
        return s;
    }

    /** Frees the buffers and events; the caller has waited for the stream. Never throws. */
    @Override
    public void close() {
        for (Slot s : slots) {
            s.copied().close();
            s.buffer().close();
        }
        slots.clear();
    }
}
