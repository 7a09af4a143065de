package io.logitnet.io;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link SafeTensors#read} returns: the tensors by name, in the order their data lies in the file, and the
 * {@code __metadata__} strings (empty when the file has none). Both maps are unmodifiable.
 *
 * @param file     the file they were read from
 * @param tensors  name → tensor
 * @param metadata key → value
 */
public record TensorFile(Path file, Map<String, TensorData> tensors, Map<String, String> metadata) {
    public TensorFile {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /**
     * The named tensor.
     *
     * @throws CheckpointFormatException ({@link CheckpointFormatException.Problem#MISSING_TENSOR}) if the file has
     *                                   no tensor of that name
     */
    public TensorData tensor(String name) {
        TensorData t = tensors.get(name);
        if (t == null) {
            throw new CheckpointFormatException(file, name, CheckpointFormatException.Problem.MISSING_TENSOR,
                    "no such tensor; the file holds " + tensors.keySet());
        }
        return t;
    }

    /**
     * The named tensor, checked to have the given shape.
     *
     * @throws CheckpointFormatException ({@code MISSING_TENSOR}) if it is missing, ({@code BAD_SHAPE}) if its
     *                                   shape differs
     */
    public TensorData tensor(String name, int... shape) {
        TensorData t = tensor(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new CheckpointFormatException(file, name, CheckpointFormatException.Problem.BAD_SHAPE,
                    "shape " + Arrays.toString(t.shape()) + " where " + Arrays.toString(shape) + " is expected");
        }
        return t;
    }
}
