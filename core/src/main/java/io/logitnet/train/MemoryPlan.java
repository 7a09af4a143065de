package io.logitnet.train;

import io.logitnet.backend.DeviceMemory;

import java.util.List;
import java.util.Locale;

/**
 * The device memory a training run needs, computed before anything is allocated ({@link Trainer#plan}): the bytes
 * per category as the backend allocates them ({@link io.logitnet.backend.MemoryModel}), against what the backend
 * says it can still give ({@link DeviceMemory}). A run that does not fit is refused before its first allocation with
 * {@link MemoryPlanException}, which says by how much and what would fit.
 *
 * @param description     the run in words: architecture, optimizer, batch, precision, backend
 * @param lines           the bytes per category, in the order of {@link Category}
 * @param largestTensor   the bytes of the largest single tensor (against the device's single-allocation limit)
 * @param memory          the backend's memory when the plan was made
 * @param suggestion      what would fit, in words, when the run does not (empty when it does)
 * @param rowsOnDevice    whether every training row is held on the device (L-BFGS when they fit); false when
 *                        batches or chunks are copied from the host as they are needed
 */
public record MemoryPlan(String description, List<Line> lines, long largestTensor, DeviceMemory memory,
                         String suggestion, boolean rowsOnDevice) {
    /** What the bytes are for. */
    public enum Category {
        PARAMETERS("parameters"),
        GRADIENTS("gradients"),
        OPTIMIZER_STATE("optimizer state"),
        ACTIVATIONS("activations"),
        DATA("data on the device"),
        OVERHEAD("overhead");

        private final String label;

        Category(String label) {
            this.label = label;
        }

        /** The category as the table names it. */
        public String label() {
            return label;
        }
    }

    /** One category's bytes and what they are, in words. */
    public record Line(Category category, long bytes, String detail) {
    }

    public MemoryPlan {
        lines = List.copyOf(lines);
    }

    /** The bytes of one category. */
    public long bytes(Category c) {
        long s = 0;
        for (Line l : lines) {
            if (l.category() == c) {
                s += l.bytes();
            }
        }
        return s;
    }

    /** Every category together: the most the run holds at once. */
    public long totalBytes() {
        long s = 0;
        for (Line l : lines) {
            s += l.bytes();
        }
        return s;
    }

    /** Whether the total fits in the free memory and the largest tensor in one allocation. */
    public boolean fits() {
        return totalBytes() <= memory.freeBytes() && largestTensor <= memory.maxAllocationBytes();
    }

    /** The bytes missing: total beyond free memory (0 when it fits there). */
    public long shortBytes() {
        return Math.max(0, totalBytes() - memory.freeBytes());
    }

    /** One line: what does not fit, by how much, and what would. */
    public String refusal() {
        String what;
        if (totalBytes() > memory.freeBytes()) {
            what = "needs " + DeviceMemory.format(totalBytes()) + " (" + breakdown() + ") but "
                    + DeviceMemory.format(memory.freeBytes()) + " is free (" + memory.source() + "): "
                    + DeviceMemory.format(shortBytes()) + " short";
        } else {
            what = "needs a single buffer of " + DeviceMemory.format(largestTensor) + " but the device allocates at most "
                    + DeviceMemory.format(memory.maxAllocationBytes()) + " at once";
        }
        return "the run does not fit: " + description + " " + what + (suggestion.isEmpty() ? "" : "; " + suggestion);
    }

    /** The nonzero categories in a few words, e.g. {@code parameters 1.2 GiB, activations 3.0 GiB}. */
    private String breakdown() {
        StringBuilder s = new StringBuilder();
        for (Category c : Category.values()) {
            long b = bytes(c);
            if (b > 0) {
                s.append(s.length() == 0 ? "" : ", ").append(c.label()).append(' ').append(DeviceMemory.format(b));
            }
        }
        return s.toString();
    }

    /** The table {@code logitnet train --plan} prints: a line per category, the total, free memory, the verdict. */
    public String table() {
        StringBuilder s = new StringBuilder("memory plan: " + description + "\n");
        for (Line l : lines) {
            s.append(row(l.category().label(), l.bytes(), l.detail()));
        }
        s.append(row("total", totalBytes(), "the most held at once"));
        s.append(row("free", memory.freeBytes(), memory.source()));
        if (largestTensor > memory.maxAllocationBytes() || memory.maxAllocationBytes() < memory.totalBytes()) {
            s.append(row("largest tensor", largestTensor, "of at most " + DeviceMemory.format(
                    memory.maxAllocationBytes()) + " in one allocation"));
        }
        s.append(fits() ? String.format(Locale.ROOT, "fits: %.3g%% of the free memory%n",
                100.0 * totalBytes() / Math.max(1, memory.freeBytes())) : "does not fit: " + refusal() + "\n");
        return s.toString();
    }

    private static String row(String label, long bytes, String detail) {
        return String.format(Locale.ROOT, "  %-20s %12s  %s%n", label, DeviceMemory.format(bytes), detail);
    }
}
