package io.logitnet.model.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitnet.InvalidDataException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The inference of a GLM fitted without penalty, as R's {@code summary(glm(...))} and statsmodels report it: each
 * coefficient in the features' raw units (intercept first, named {@code (Intercept)}) with its standard error, z (or
 * t for linear regression) statistic, two-sided p-value and 95% Wald interval, and the fit's deviance, null
 * deviance, residual degrees of freedom, log-likelihood, AIC, BIC and dispersion.
 *
 * <p>Conventions: AIC = −2·logLik + 2k and BIC = −2·logLik + log(n)·k with k the number of coefficients, plus one
 * for linear regression's variance (R's {@code logLik}, {@code AIC}, {@code BIC}); linear regression's
 * log-likelihood uses the maximum-likelihood variance RSS/n, its dispersion is RSS/(n − p) and its deviance the RSS.
 * Softmax regression reports each class k ≥ 1 against the reference class 0 (statsmodels' {@code MNLogit}, R's
 * {@code nnet::multinom}), with residual degrees of freedom n − (K − 1)·p as statsmodels.
 *
 * <p>{@link #toString()} prints the familiar table; {@link #toJson()} gives the fields above with the names
 * {@code coefficients} ({@code name}, {@code class} for softmax, {@code estimate}, {@code std_error},
 * {@code statistic}, {@code p_value}, {@code ci_low}, {@code ci_high}), {@code deviance}, {@code null_deviance},
 * {@code df_residual}, {@code log_likelihood}, {@code aic}, {@code bic}, {@code dispersion}, and what reprinting
 * the table needs ({@code model}, {@code family}, {@code link}, {@code statistic}, {@code observations},
 * {@code df_null}, {@code iterations}, {@code classes}); {@link #fromJson} reads it back.
 */
public final class GlmSummary {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String model;
    private final Family family;
    private final int observations;
    private final List<String> classes;
    private final List<CoefficientStats> coefficients;
    private final double deviance;
    private final double nullDeviance;
    private final int dfResidual;
    private final int dfNull;
    private final double logLikelihood;
    private final double aic;
    private final double bic;
    private final double dispersion;
    private final int iterations;
    private final double[][] covariance;

    GlmSummary(String model, Family family, int observations, List<String> classes,
               List<CoefficientStats> coefficients, double deviance, double nullDeviance, int dfResidual, int dfNull,
               double logLikelihood, double aic, double bic, double dispersion, int iterations,
               double[][] covariance) {
        this.model = model;
        this.family = family;
        this.observations = observations;
        this.classes = classes == null ? List.of() : List.copyOf(classes);
        this.coefficients = List.copyOf(coefficients);
        this.deviance = deviance;
        this.nullDeviance = nullDeviance;
        this.dfResidual = dfResidual;
        this.dfNull = dfNull;
        this.logLikelihood = logLikelihood;
        this.aic = aic;
        this.bic = bic;
        this.dispersion = dispersion;
        this.iterations = iterations;
        this.covariance = covariance;
    }

    /** The model's class name, e.g. {@code LogisticRegression}. */
    public String model() {
        return model;
    }

    public Family family() {
        return family;
    }

    /** n, the rows the model was fitted on. */
    public int observations() {
        return observations;
    }

    /** Softmax regression's class labels, the reference first; empty for the other models. */
    public List<String> classes() {
        return classes;
    }

    /** The coefficients, intercept first (class by class for softmax regression). */
    public List<CoefficientStats> coefficients() {
        return coefficients;
    }

    /** The coefficient named {@code name} (of class {@code className}, null except for softmax regression). */
    public CoefficientStats coefficient(String name, String className) {
        for (CoefficientStats c : coefficients) {
            if (c.name().equals(name) && java.util.Objects.equals(c.className(), className)) {
                return c;
            }
        }
        throw new IllegalArgumentException("no coefficient " + name + (className == null ? "" : " of class "
                + className) + "; the summary has " + coefficients.stream().map(CoefficientStats::name).distinct()
                .toList());
    }

    /** The coefficient named {@code name} of a single-output model. */
    public CoefficientStats coefficient(String name) {
        return coefficient(name, null);
    }

    /** Residual deviance (the residual sum of squares for linear regression). */
    public double deviance() {
        return deviance;
    }

    /** Deviance of the intercept-only model. */
    public double nullDeviance() {
        return nullDeviance;
    }

    public int dfResidual() {
        return dfResidual;
    }

    public int dfNull() {
        return dfNull;
    }

    public double logLikelihood() {
        return logLikelihood;
    }

    public double aic() {
        return aic;
    }

    public double bic() {
        return bic;
    }

    /** The estimated residual variance for linear regression; 1 for the other families. */
    public double dispersion() {
        return dispersion;
    }

    /** Newton (IRLS) iterations of the fit's double-precision finish, after L-BFGS. */
    public int iterations() {
        return iterations;
    }

    /** "z" or "t". */
    public String statisticName() {
        return family.usesT() ? "t" : "z";
    }

    /**
     * The estimated covariance matrix of the coefficients in raw units, in the order of {@link #coefficients()};
     * null for a summary read back from JSON (which keeps only the per-coefficient statistics).
     */
    public double[][] covariance() {
        if (covariance == null) {
            return null;
        }
        double[][] out = new double[covariance.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = covariance[i].clone();
        }
        return out;
    }

    /** The same summary with these class labels (softmax regression: K labels, the reference first). */
    public GlmSummary withClassNames(List<String> names) {
        if (family != Family.MULTINOMIAL || names.size() != classes.size()) {
            throw new IllegalArgumentException(names.size() + " class names for a " + family.label()
                    + " summary with " + classes.size() + " classes");
        }
        List<CoefficientStats> cs = new ArrayList<>();
        for (CoefficientStats c : coefficients) {
            String renamed = names.get(classes.indexOf(c.className()));
            cs.add(new CoefficientStats(c.name(), renamed, c.estimate(), c.stdError(), c.statistic(), c.pValue(),
                    c.ciLow(), c.ciHigh()));
        }
        return new GlmSummary(model, family, observations, names, cs, deviance, nullDeviance, dfResidual, dfNull,
                logLikelihood, aic, bic, dispersion, iterations, covariance);
    }

    // ---- JSON ----

    /** The summary as one JSON object (see the class comment for the fields). */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode cs = o.putArray("coefficients");
        for (CoefficientStats c : coefficients) {
            ObjectNode n = cs.addObject();
            n.put("name", c.name());
            if (c.className() != null) {
                n.put("class", c.className());
            }
            n.put("estimate", c.estimate());
            n.put("std_error", c.stdError());
            n.put("statistic", c.statistic());
            n.put("p_value", c.pValue());
            n.put("ci_low", c.ciLow());
            n.put("ci_high", c.ciHigh());
        }
        o.put("deviance", deviance);
        o.put("null_deviance", nullDeviance);
        o.put("df_residual", dfResidual);
        o.put("log_likelihood", logLikelihood);
        o.put("aic", aic);
        o.put("bic", bic);
        o.put("dispersion", dispersion);
        o.put("model", model);
        o.put("family", family.label());
        o.put("link", family.link());
        o.put("statistic", statisticName());
        o.put("observations", observations);
        o.put("df_null", dfNull);
        o.put("iterations", iterations);
        if (!classes.isEmpty()) {
            ArrayNode k = o.putArray("classes");
            classes.forEach(k::add);
        }
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a summary of numbers and names always serializes", e);
        }
    }

    /**
     * Reads {@link #toJson()} back (e.g. from a checkpoint's metadata).
     *
     * @throws InvalidDataException if the text is not such a summary, naming the missing or bad field
     */
    public static GlmSummary fromJson(String json) {
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidDataException("GLM summary JSON", "not JSON: " + e.getOriginalMessage());
        }
        if (o == null || !o.isObject()) {
            throw new InvalidDataException("GLM summary JSON", "expected an object, got " + json);
        }
        String familyName = text(o, "family");
        Family family = null;
        for (Family f : Family.values()) {
            if (f.label().equals(familyName)) {
                family = f;
            }
        }
        if (family == null) {
            throw new InvalidDataException("GLM summary JSON", "unknown family '" + familyName + "'");
        }
        List<CoefficientStats> cs = new ArrayList<>();
        JsonNode arr = field(o, "coefficients");
        for (JsonNode n : arr) {
            cs.add(new CoefficientStats(text(n, "name"), n.has("class") ? text(n, "class") : null,
                    number(n, "estimate"), number(n, "std_error"), number(n, "statistic"), number(n, "p_value"),
                    number(n, "ci_low"), number(n, "ci_high")));
        }
        List<String> classes = new ArrayList<>();
        if (o.has("classes")) {
            o.get("classes").forEach(k -> classes.add(k.asText()));
        }
        return new GlmSummary(text(o, "model"), family, (int) number(o, "observations"), classes, cs,
                number(o, "deviance"), number(o, "null_deviance"), (int) number(o, "df_residual"),
                (int) number(o, "df_null"), number(o, "log_likelihood"), number(o, "aic"), number(o, "bic"),
                number(o, "dispersion"), (int) number(o, "iterations"), null);
    }

    private static JsonNode field(JsonNode o, String name) {
        JsonNode v = o.get(name);
        if (v == null || v.isNull()) {
            throw new InvalidDataException("GLM summary JSON", "missing field '" + name + "'");
        }
        return v;
    }

    private static String text(JsonNode o, String name) {
        return field(o, name).asText();
    }

    private static double number(JsonNode o, String name) {
        JsonNode v = field(o, name);
        if (!v.isNumber()) {
            throw new InvalidDataException("GLM summary JSON", "field '" + name + "' is not a number: " + v);
        }
        return v.asDouble();
    }

    // ---- the table ----

    /** R's significance codes. */
    static String stars(double p) {
        return p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : p < 0.1 ? "." : "";
    }

    /** The summary as R prints it: the coefficient table with significance codes, then the fit. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(model).append(" (").append(family.label()).append(" family, ").append(family.link())
                .append(" link), ").append(observations).append(" observations\n");
        String stat = statisticName();
        String[] head = {"", "Estimate", "Std. Error", stat + " value", "Pr(>|" + stat + "|)", ""};
        List<String[]> rows = new ArrayList<>();
        for (CoefficientStats c : coefficients) {
            rows.add(new String[] {c.name(), num(c.estimate()), num(c.stdError()), fixed(c.statistic()),
                    pValue(c.pValue()), stars(c.pValue())});
        }
        int[] width = new int[head.length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (int i = 0; i < head.length; i++) {
            width[i] = Math.max(width[i], head[i].length());
        }
        sb.append("\nCoefficients:");
        if (family == Family.MULTINOMIAL) {
            sb.append(" (each class against the reference class ").append(classes.get(0)).append(')');
        }
        sb.append('\n');
        int r = 0;
        String lastClass = null;
        for (CoefficientStats c : coefficients) {
            if (c.className() != null && !c.className().equals(lastClass)) {
                sb.append(c.className()).append(" vs ").append(classes.get(0)).append(":\n");
                lastClass = c.className();
                line(sb, head, width);
            } else if (r == 0) {
                line(sb, head, width);
            }
            line(sb, rows.get(r++), width);
        }
        sb.append("---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n\n");
        if (family == Family.GAUSSIAN) {
            sb.append(String.format(Locale.ROOT, "Residual standard error: %s on %d degrees of freedom%n",
                    num(Math.sqrt(dispersion)), dfResidual));
        } else {
            sb.append("(Dispersion parameter for ").append(family.label()).append(" family taken to be 1)\n");
        }
        sb.append('\n');
        int w = Math.max(num(nullDeviance).length(), num(deviance).length());
        sb.append(String.format(Locale.ROOT, "    Null deviance: %" + w + "s  on %d degrees of freedom%n",
                num(nullDeviance), dfNull));
        sb.append(String.format(Locale.ROOT, "Residual deviance: %" + w + "s  on %d degrees of freedom%n",
                num(deviance), dfResidual));
        sb.append(String.format(Locale.ROOT, "Log-likelihood: %s,  AIC: %s,  BIC: %s%n", num(logLikelihood),
                num(aic), num(bic)));
        sb.append("Number of Newton (IRLS) iterations after L-BFGS: ").append(iterations);
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] cells, int[] width) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i == 0) {
                l.append(String.format(Locale.ROOT, "%-" + width[0] + "s", cells[0]));
            } else if (i == cells.length - 1) {
                l.append(' ').append(cells[i]);
            } else {
                l.append("  ").append(String.format(Locale.ROOT, "%" + width[i] + "s", cells[i]));
            }
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.6g", v).replaceFirst("(\\.\\d*?)0+(e|$)", "$1$2")
                .replaceFirst("\\.(e|$)", "$1");
    }

    private static String fixed(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String pValue(double p) {
        return p < 2e-16 ? "<2e-16" : String.format(Locale.ROOT, "%.3g", p);
    }
}
