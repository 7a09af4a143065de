package io.logitnet.io;

import io.logitnet.LogitNetException;

import java.nio.file.Path;

/**
 * A checkpoint file that is not a valid safetensors file of float32 tensors, or lacks a tensor the caller needs:
 * which file, which tensor (when one is to blame), what kind of problem, and a message with the numbers.
 */
public final class CheckpointFormatException extends LogitNetException {
    /** What is wrong, so that callers and tests need not read the message. */
    public enum Problem {
        /** Shorter than the 8-byte header length. */
        TOO_SHORT,
        /** The header length is over {@link SafeTensors#MAX_HEADER_BYTES}. */
        HEADER_TOO_LARGE,
        /** The header length points past the end of the file. */
        HEADER_PAST_END,
        /** The header bytes are not UTF-8. */
        HEADER_NOT_UTF8,
        /** The header is not one JSON object (syntax, a repeated key, trailing content, not starting with '{'). */
        HEADER_NOT_JSON,
        /** A tensor entry is not an object, lacks dtype, shape or data_offsets, has another key, or wrong types. */
        BAD_ENTRY,
        /** A dtype other than F32. */
        UNSUPPORTED_DTYPE,
        /** A shape dimension that is negative, not an integer, or whose product overflows. */
        BAD_SHAPE,
        /** Offsets that are not [begin, end] with begin ≤ end, overlap, leave gaps, or run past the file. */
        BAD_OFFSETS,
        /** end − begin is not the shape's element count × 4 bytes. */
        SIZE_MISMATCH,
        /** The tensors do not end exactly where the file ends. */
        BUFFER_LENGTH,
        /** {@code __metadata__} is not an object of string values. */
        BAD_METADATA,
        /** Valid, but too large for a Java float array. */
        TOO_LARGE,
        /** A tensor the caller asked for is not in the file. */
        MISSING_TENSOR,
        /** A parameter (or optimizer state) that is NaN or infinite. */
        NON_FINITE
    }

    private final Path file;
    private final String tensor;
    private final Problem problem;

    /**
     * @param file    the checkpoint file
     * @param tensor  the tensor to blame, or null when the problem is not one tensor's
     * @param problem the kind of problem
     * @param detail  what is wrong, with the numbers
     */
    public CheckpointFormatException(Path file, String tensor, Problem problem, String detail) {
        super(file + (tensor == null ? "" : ": tensor '" + tensor + "'") + ": " + detail);
        this.file = file;
        this.tensor = tensor;
        this.problem = problem;
    }

    /** The checkpoint file. */
    public Path file() {
        return file;
    }

    /** The tensor to blame, or null when the problem is not one tensor's. */
    public String tensor() {
        return tensor;
    }

    /** The kind of problem. */
    public Problem problem() {
        return problem;
    }
}
