package io.logitnet.model.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitnet.InvalidDataException;
import io.logitnet.LogitNetException;

import java.util.ArrayList;
import java.util.List;

/**
 * Why a fitted GLM has no classical inference (standard errors, tests, intervals): the reason by name, the columns
 * involved where there are any, and a message that says what to do.
 */
public final class InferenceUnavailableException extends LogitNetException {
    /** The reasons, by name. */
    public enum Reason {
        /** Fitted with an L2 penalty: the estimates are shrunk, so Wald standard errors and p-values would mislead. */
        PENALIZED,
        /** Complete separation: a linear predictor classifies every training row correctly; the MLE does not exist. */
        SEPARATION,
        /** Quasi-complete separation: some rows are fitted perfectly and their coefficients diverge. */
        QUASI_SEPARATION,
        /** The information matrix is singular: collinear (or constant) columns. */
        SINGULAR_INFORMATION,
        /** Newton's method did not converge. */
        NOT_CONVERGED,
        /** More parameters than the double-precision Newton system takes ({@link GlmInference#MAX_PARAMETERS}). */
        TOO_MANY_PARAMETERS,
        /** No residual degrees of freedom (rows ≤ parameters): the variance cannot be estimated. */
        NO_RESIDUAL_DF,
        /** The model was built from given coefficients, not fitted on data in this process. */
        NOT_FITTED_ON_DATA,
        /** The device could not hold the design matrix and its products. */
        DEVICE_MEMORY,
        /** The fit was asked not to compute it ({@code inference(false)}, {@code --no-inference}). */
        NOT_REQUESTED
    }

    private final Reason reason;
    private final List<String> columns;

    public InferenceUnavailableException(Reason reason, List<String> columns, String message) {
        super(message);
        this.reason = reason;
        this.columns = List.copyOf(columns);
    }

    /** A new exception with the same reason, columns and message (thrown again from a later call). */
    public InferenceUnavailableException copy() {
        return new InferenceUnavailableException(reason, columns, getMessage());
    }

    public Reason reason() {
        return reason;
    }

    /** The columns involved (feature names, {@code (Intercept)}), empty when the reason concerns none. */
    public List<String> columns() {
        return columns;
    }

    /** {@code {"unavailable": REASON, "columns": [...], "message": "..."}}: kept where a summary would be. */
    public String toJson() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode();
        o.put("unavailable", reason.name());
        columns.forEach(o.putArray("columns")::add);
        o.put("message", getMessage());
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("names and a message always serialize", e);
        }
    }

    /**
     * Reads {@link #toJson()} back; null when the text is a summary instead (no {@code unavailable} field).
     *
     * @throws InvalidDataException if the text is not JSON or names an unknown reason
     */
    public static InferenceUnavailableException fromJson(String text) {
        JsonNode o;
        try {
            o = new ObjectMapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidDataException("GLM summary JSON", "not JSON: " + e.getOriginalMessage());
        }
        if (o == null || !o.has("unavailable")) {
            return null;
        }
        Reason r;
        try {
            r = Reason.valueOf(o.get("unavailable").asText());
        } catch (IllegalArgumentException e) {
            throw new InvalidDataException("GLM summary JSON", "unknown reason '" + o.get("unavailable").asText()
                    + "'");
        }
        List<String> cols = new ArrayList<>();
        if (o.has("columns")) {
            o.get("columns").forEach(c -> cols.add(c.asText()));
        }
        return new InferenceUnavailableException(r, cols, o.path("message").asText(r.name()));
    }
}
