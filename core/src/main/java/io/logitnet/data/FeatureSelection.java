package io.logitnet.data;

import io.logitnet.InvalidDataException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which columns of a file are features, by header name: the listed ones (in the order listed), or every column but
 * the target and the excluded ones (in file order). Every name must be in the header.
 *
 * @param include the feature columns, or null for "every column but the target and {@code exclude}"
 * @param exclude columns that are not features (only without {@code include})
 */
public record FeatureSelection(List<String> include, List<String> exclude) {
    public FeatureSelection {
        if (include != null && !exclude.isEmpty()) {
            throw new IllegalArgumentException("give the feature columns or the excluded columns, not both");
        }
        include = include == null ? null : List.copyOf(include);
        exclude = List.copyOf(exclude);
        if (include != null && include.isEmpty()) {
            throw new IllegalArgumentException("no feature columns given");
        }
    }

    /** Every column but the target. */
    public static FeatureSelection all() {
        return new FeatureSelection(null, List.of());
    }

    /** Every column but the target and these. */
    public static FeatureSelection excluding(List<String> columns) {
        return new FeatureSelection(null, columns);
    }

    /** These columns, in this order. */
    public static FeatureSelection only(List<String> columns) {
        return new FeatureSelection(columns, List.of());
    }

    /**
     * The 0-based positions of the feature columns.
     *
     * @param target the target column (null when there is none)
     * @throws InvalidDataException     for a name the header lacks (naming it, listing the header), or when no
     *                                  column is left
     * @throws IllegalArgumentException if a column is listed twice, or the target is listed as a feature
     */
    int[] resolve(CsvLoad.Header header, String target) {
        Set<String> seen = new HashSet<>();
        List<Integer> out = new ArrayList<>();
        if (include != null) {
            for (String name : include) {
                if (!seen.add(name)) {
                    throw new IllegalArgumentException("feature column '" + name + "' is named twice in " + include);
                }
                if (name.equals(target)) {
                    throw new IllegalArgumentException("the target column '" + target
                            + "' is also listed as a feature in " + include);
                }
                out.add(header.index(name));
            }
        } else {
            for (String name : exclude) {
                if (!seen.add(name)) {
                    throw new IllegalArgumentException("column '" + name + "' is excluded twice in " + exclude);
                }
                header.index(name);
            }
            for (int j = 0; j < header.names().size(); j++) {
                String name = header.names().get(j);
                if (!name.equals(target) && !seen.contains(name)) {
                    out.add(j);
                }
            }
            if (out.isEmpty()) {
                throw new InvalidDataException(header.source(), header.line(), 0, null, "no feature columns are left: "
                        + "the header has " + header.names() + ", the target is " + target + ", excluded are "
                        + exclude);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
