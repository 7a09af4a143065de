package io.logitnet.cli;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Loss;
import io.logitnet.io.Checkpoint;
import io.logitnet.model.Mlp;
import io.logitnet.nn.Architecture;
import io.logitnet.io.SafeTensors;
import io.logitnet.io.TensorData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user gets wrong: every option takes effect or is refused with the reason, before any work. */
class CliMistakesTest extends CliHarness {

    @Test
    void optionsThatWouldDoNothingAreRefused() {
        Path m = dir.resolve("m.safetensors");
        String[][] cases = {
            {"--model", "logistic", "--weight-decay", "0.5", "--weight-decay applies to --optimizer adam"},
            {"--model", "mlp", "--optimizer", "sgd", "--weight-decay", "0.5", "--weight-decay applies to"},
            {"--model", "mlp", "--momentum", "0.5", "--momentum applies to --optimizer sgd"},
            {"--model", "mlp", "--nesterov", "--nesterov applies to --optimizer sgd"},
            {"--model", "logistic", "--lr", "0.1", "--lr applies to the mini-batch optimizers"},
            {"--model", "logistic", "--epochs", "3", "--epochs applies to the mini-batch optimizers"},
            {"--model", "logistic", "--batch-size", "3", "--batch-size applies"},
            {"--model", "mlp", "--max-iter", "3", "--max-iter applies to --optimizer lbfgs"},
            {"--model", "mlp", "--patience", "3", "--patience needs --validation-split"},
            {"--model", "logistic", "--hidden", "3", "--hidden applies to --model mlp only"},
            {"--model", "softmax", "--task", "regress", "--task applies to --model mlp only"},
            {"--model", "mlp", "--optimizer", "adam", "--weight-decay", "-1", "--weight-decay must be a finite number"},
            {"--model", "mlp", "--optimizer", "adam", "--weight-decay", "NaN", "--weight-decay must be a finite number"},
            {"--model", "mlp", "--lr", "0", "--lr must be a finite number > 0, got 0.0"},
            {"--model", "mlp", "--optimizer", "sgd", "--momentum", "1", "--momentum must be in [0, 1)"},
            {"--model", "mlp", "--optimizer", "sgd", "--momentum", "0", "--nesterov", "--nesterov needs --momentum"},
            {"--model", "logistic", "--l2", "-0.5", "--l2 must be a finite number >= 0, got -0.5"},
            {"--model", "mlp", "--hidden", "4,0", "--hidden widths must be positive"},
            {"--model", "mlp", "--validation-split", "1", "--validation-split must be in [0, 1)"},
        };
        for (String[] c : cases) {
            String expected = c[c.length - 1];
            String[] opts = java.util.Arrays.copyOf(c, c.length - 1);
            String[] args = trainCircles(concat(opts, "--out", m.toString()));
            assertUserError(run(args), expected);
            assertFalse(Files.exists(m), "nothing was written for " + String.join(" ", opts));
        }
    }

    @Test
    void nesterovMomentumIsReachableAndStored() {
        Path m = dir.resolve("m.safetensors");
        assertEquals(0, run(trainCircles("--model", "mlp", "--hidden", "4", "--optimizer", "sgd", "--momentum",
                "0.8", "--nesterov", "--epochs", "2", "--out", m.toString())), stderr());
        var config = Checkpoint.load(m).config();
        assertTrue(config.optimizer().nesterov());
        assertEquals(0.8f, config.optimizer().momentum());
        // weight decay reaches AdamW
        assertEquals(0, run(trainCircles("--model", "mlp", "--hidden", "4", "--weight-decay", "0.25", "--optimizer",
                "adam", "--epochs", "1", "--out", m.toString())), stderr());
        assertEquals(0.25f, Checkpoint.load(m).config().optimizer().weightDecay());
    }

    @Test
    void badValuesNameTheOptionTheValueAndWhatIsAllowed() {
        assertUserError(run("verify", "--backend", "cpu", "--batch", "-1"), "--batch must be >= 1, got -1");
        assertUserError(run(trainCircles("--model", "mlp", "--schedule", "foo", "--out", "m.safetensors")),
                "--schedule", "foo", "constant, cosine");
        assertUserError(run("bench", "--shape", "10xfoo", "--no-pytorch"), "'foo' is not a positive integer",
                "BATCHxIN");
        assertUserError(run("bench", "--djl", "bench/target/djl", "--no-djl"), "--djl bench/target/djl",
                "--no-djl", "choose one");
        assertUserError(run("bench", "--profile-shape", "64x784-256-10", "--no-profile", "--no-pytorch"),
                "--no-profile and --profile-shape 64x784-256-10: choose one");
        assertUserError(run("bench", "--rounds", "0", "--no-pytorch"), "--rounds must be an integer >= 1, got 0");
        assertUserError(run(trainCircles("--model", "perceptron", "--out", "m.safetensors")), "--model",
                "perceptron", "logistic, softmax, linear, poisson, mlp");
        assertUserError(run(trainCircles("--model", "mlp", "--activation", "swish", "--out", "m.safetensors")),
                "--activation", "swish", "sigmoid, tanh, relu");
        assertUserError(run(trainCircles("--model", "logistic", "--precision", "fp8", "--out", "m.safetensors")),
                "--precision", "fp8");
        assertUserError(run(trainCircles("--model", "logistic", "--seed", "abc", "--out", "m.safetensors")),
                "--seed", "abc");
        assertUserError(run("demo", "--epochs", "0"), "--epochs must be >= 1");
    }

    @Test
    void mistypedCommandsAndBackendsGetSuggestions() {
        assertUserError(run("evalute"), "unknown command 'evalute'", "did you mean 'evaluate'?");
        assertEquals(1, stderr().split("logitnet").length - 1, "the program is named once: " + stderr());
        assertUserError(run("train", "--data", "x.csv", "--model", "logistic", "--out", "m.safetensors", "--targt",
                "ring"), "unknown option '--targt'", "did you mean '--target'?");
        String[] gpu = trainCircles("--model", "logistic", "--out", "m.safetensors");
        gpu[java.util.Arrays.asList(gpu).indexOf("cpu")] = "gpu";
        assertUserError(run(gpu), "'gpu'", "auto", "cpu", "opencl", "cuda");
        assertFalse(stderr().contains("class path"), stderr());
        // no command at all: the usage, and status 2
        assertEquals(2, run());
        assertTrue(stderr().contains("Usage: logitnet"), stderr());
    }

    @Test
    void outputsAreCheckedBeforeAnyWork() {
        Path missing = dir.resolve("no-such-folder/m.safetensors");
        assertUserError(run(trainCircles("--model", "logistic", "--out", missing.toString())), "--out",
                "no-such-folder", "does not exist");
        assertFalse(stderr().contains(".tmp"), stderr());
        assertUserError(run(trainCircles("--model", "logistic", "--out", dir.toString())), "is a folder");
    }

    @Test
    void anOutputThatIsAnInputIsRefused() throws IOException {
        Path victim = dir.resolve("victim.csv");
        Files.copy(circles, victim);
        byte[] before = Files.readAllBytes(victim);
        assertUserError(run("train", "--data", victim.toString(), "--target", "ring", "--model", "logistic",
                "--backend", "cpu", "--out", victim.toString()), "--out", "same file as --data");
        assertArrayEquals(before, Files.readAllBytes(victim));
        // through a symbolic link, and through another spelling of the path
        Path link = dir.resolve("link.safetensors");
        Files.createSymbolicLink(link, victim);
        assertUserError(run("train", "--data", victim.toString(), "--target", "ring", "--model", "logistic",
                "--backend", "cpu", "--out", link.toString()), "same file as --data");
        Files.createDirectory(dir.resolve("sub"));
        assertUserError(run("train", "--data", dir.resolve("./victim.csv").toString(), "--target", "ring", "--model",
                "logistic", "--backend", "cpu", "--out", dir.resolve("sub/../victim.csv").toString()),
                "same file as --data");
        assertArrayEquals(before, Files.readAllBytes(victim));

        Path m = dir.resolve("m.safetensors");
        assertEquals(0, run(trainCircles("--model", "logistic", "--out", m.toString())), stderr());
        byte[] model = Files.readAllBytes(m);
        assertUserError(run("predict", "--model", m.toString(), "--data", circles.toString(), "--out",
                m.toString()), "same file as --model");
        assertUserError(run("predict", "--model", m.toString(), "--data", circles.toString(), "--out",
                circles.toString()), "same file as --data");
        assertArrayEquals(model, Files.readAllBytes(m));
    }

    @Test
    void brokenModelMetadataIsNamedField() throws IOException {
        Path m = dir.resolve("m.safetensors");
        assertEquals(0, run(trainCircles("--model", "logistic", "--out", m.toString())), stderr());
        var file = SafeTensors.read(m);
        Map<String, String> good = file.metadata();
        Object[][] cases = {
            {"classes", "[\"a\",\"b\",\"c\"]", "metadata field 'classes' lists 3 classes"},
            {"classes", "[\"a\",\"a\"]", "metadata field 'classes' lists 'a' twice"},
            {"seed", "abc", "metadata field 'seed' must be an integer, not \"abc\""},
            {"model", "softmax", "metadata field 'model' is 'softmax' but the architecture"},
            {"model", "tree", "metadata field 'model' is 'tree'"},
            {"format", "logitnet-2", "newer format"},
            {"architecture", "{\"sizes\": [2,", "metadata field 'architecture' is not valid JSON"},
            {"features", "[\"x1\"]", "metadata field 'features' names 1 columns"},
        };
        for (Object[] c : cases) {
            Map<String, String> meta = new LinkedHashMap<>(good);
            meta.put((String) c[0], (String) c[1]);
            Path bad = dir.resolve("bad.safetensors");
            SafeTensors.write(bad, file.tensors(), meta);
            assertUserError(run("inspect", "--model", bad.toString()), (String) c[2]);
            assertUserError(run("predict", "--model", bad.toString(), "--data", circles.toString()), (String) c[2]);
        }
        Path text = dir.resolve("notes.safetensors");
        Files.writeString(text, "these are not the tensors you are looking for\n");
        assertUserError(run("inspect", "--model", text.toString()), "not a safetensors file");
        assertFalse(stderr().matches(".*\\d{12,}.*"), "no absurd header length: " + stderr());
    }

    @Test
    void nonFiniteParametersAreRefusedByTheReader() throws IOException {
        Path m = dir.resolve("m.safetensors");
        assertEquals(0, run(trainCircles("--model", "logistic", "--out", m.toString())), stderr());
        var file = SafeTensors.read(m);
        Map<String, TensorData> tensors = new LinkedHashMap<>(file.tensors());
        float[] w = tensors.get("layers.0.weight").data().clone();
        w[1] = Float.NaN;
        tensors.put("layers.0.weight", TensorData.of(w, 1, 2));
        Path bad = dir.resolve("nan.safetensors");
        SafeTensors.write(bad, tensors, file.metadata());
        assertUserError(run("predict", "--model", bad.toString(), "--data", circles.toString()),
                "tensor 'layers.0.weight'", "NaN at index 1");
    }

    @Test
    void aPredictionThatIsNotFiniteIsAnErrorNamingTheLine() throws IOException {
        // an exp hidden layer that overflows for far inputs, feeding two output weights of opposite sign: inf - inf
        Mlp exp = Mlp.of(new Architecture(List.of(2, 2, 1), List.of(Activation.EXP),
                        Loss.SIGMOID_BINARY_CROSS_ENTROPY), List.of(new float[] {1, 1, 1, 1}, new float[] {1, -1}),
                List.of(new float[] {0, 0}, new float[] {0}), 2, List.of("x1", "x2"));
        Path m = dir.resolve("exp.safetensors");
        exp.classLabels(List.of("inner", "outer")).target("ring").save(m);
        Path far = dir.resolve("far.csv");
        Files.writeString(far, "x1,x2\n0.1,0.2\n100,100\n");
        assertUserError(run("predict", "--model", m.toString(), "--data", far.toString()), "far.csv:3",
                "not a finite number", "exp");
        assertFalse(stdout().contains("NaN"), stdout());
        // a Poisson mean that overflows float32
        Path counts = dir.resolve("counts.csv");
        StringBuilder sb = new StringBuilder("x,y\n");
        for (int i = 0; i < 10; i++) {
            sb.append(i).append(',').append(Math.round(Math.exp(0.3 * i))).append('\n');
        }
        Files.writeString(counts, sb);
        Path p = dir.resolve("p.safetensors");
        assertEquals(0, run("train", "--data", counts.toString(), "--target", "y", "--model", "poisson", "--backend",
                "cpu", "-q", "--out", p.toString()), stderr());
        Files.writeString(far, "x,y\n1,2\n2,2\n10000,3\n");
        assertUserError(run("evaluate", "--model", p.toString(), "--data", far.toString()), "far.csv:4",
                "Poisson mean");
    }

    @Test
    void oneNumberFormatAndPlainPredictions() throws IOException {
        Path m = dir.resolve("m.safetensors");
        assertEquals(0, run(trainCircles("--model", "mlp", "--hidden", "16", "--epochs", "30", "--out",
                m.toString())), stderr());
        Path pred = dir.resolve("pred.csv");
        assertEquals(0, run("predict", "--model", m.toString(), "--data", circles.toString(), "--out",
                pred.toString()));
        assertEquals("wrote 1000 rows to " + pred, stderr().trim());
        List<String> lines = Files.readAllLines(pred);
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",");
            for (int j = 1; j < cells.length; j++) {
                assertFalse(cells[j].contains("E") || cells[j].contains("e"), "plain decimal: " + line);
                float v = Float.parseFloat(cells[j]);
                assertEquals(cells[j], Cli.plain(v), "round trip of " + cells[j]);
            }
        }
        assertEquals(0, run("evaluate", "--model", m.toString(), "--data", circles.toString()));
        String eval = stdout();
        assertTrue(eval.startsWith("accuracy: "), eval);
        assertTrue(eval.matches("(?s)accuracy: \\d\\.\\d{6}\\nlog_loss: [0-9.e-]+\\nrows: 1000\\n"), eval);
        assertEquals(0, run("train", "--data", circles.toString(), "--target", "x2", "--exclude", "ring", "--model",
                "linear", "--backend", "cpu", "-q", "--out", m.toString()), stderr());
        assertTrue(stdout().contains("equation: x2 = "), "the equation names its target: " + stdout());
    }

    @Test
    void textColumnsAreOneHotEncodedAndTheirLevelsStored() throws IOException {
        Path m = dir.resolve("lin.safetensors");
        // regression on the bundled circles: x2 from x1 and the text column ring, coded with 'inner' as reference
        assertEquals(0, run("train", "--data", circles.toString(), "--target", "x2", "--model", "linear",
                "--backend", "cpu", "-q", "--out", m.toString()), stderr());
        assertTrue(stdout().contains("·ring=outer"), stdout());
        assertFalse(stdout().contains("ring=inner"), "the reference level has no coefficient: " + stdout());
        Path other = dir.resolve("other.csv");
        Files.writeString(other, "ring,x1,x2\nouter,0.5,0.1\ninner,0.2,0.3\n");
        assertEquals(0, run("evaluate", "--model", m.toString(), "--data", other.toString()), stderr());
        assertTrue(stdout().contains("mse: "), stdout());
        Files.writeString(other, "ring,x1,x2\nouter,0.5,0.1\nmiddle,0.2,0.3\n");
        assertUserError(run("predict", "--model", m.toString(), "--data", other.toString()), "other.csv:3:1",
                "middle");
        // an MLP gets one input per level
        assertEquals(0, run("train", "--data", circles.toString(), "--target", "x2", "--model", "mlp", "--task",
                "regress", "--hidden", "4", "--epochs", "2", "--backend", "cpu", "-q", "--out", m.toString()));
        assertEquals(List.of("x1", "ring=inner", "ring=outer"), Checkpoint.load(m).card().features());
        // a text value where the model (or the rest of the column) has numbers names the options that fix it
        Path mixed = dir.resolve("mixed.csv");
        Files.writeString(mixed, "id,x1,ring\n1,0.1,inner\n2,0.2,outer\n3,0.3,inner\nx4,0.4,outer\n");
        assertUserError(run("train", "--data", mixed.toString(), "--target", "ring", "--model", "logistic",
                "--backend", "cpu", "--out", m.toString()), "mixed.csv:5:1", "x4", "--exclude id");
    }

    @Test
    void filesAreRecognisedByContentAndLabelsAreTrimmedLikeNumbers() throws IOException {
        // a CSV whose name contains "idx" is a CSV; a gzipped CSV is recognised without the .gz name
        Path m = dir.resolve("m.safetensors");
        Path xray = dir.resolve("rapidxray.csv");
        Files.copy(circles, xray);
        assertEquals(0, run("train", "--data", xray.toString(), "--target", "ring", "--model", "logistic",
                "--backend", "cpu", "-q", "--out", m.toString()), stderr());
        Path gz = dir.resolve("circles-compressed.csv");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(Files.readAllBytes(circles));
        }
        assertEquals(0, run("train", "--data", gz.toString(), "--target", "ring", "--model", "logistic",
                "--backend", "cpu", "-q", "--out", m.toString()), stderr());
        // " outer" is the label "outer", as " 0.5" is the number 0.5
        Path spaced = dir.resolve("spaced.csv");
        Files.writeString(spaced, "x,ring\n0.1,inner\n0.9, outer\n0.2,inner \n0.8,outer\n");
        assertEquals(0, run("train", "--data", spaced.toString(), "--target", "ring", "--model", "logistic",
                "--backend", "cpu", "-q", "--out", m.toString()), stderr());
        assertEquals(List.of("inner", "outer"), Checkpoint.load(m).card().classes());
        // an empty target cell is an error at its line and column, not a class ""
        Path empty = dir.resolve("empty.csv");
        Files.writeString(empty, "x,ring\n0.1,inner\n0.9,\n0.8,outer\n");
        assertUserError(run("train", "--data", empty.toString(), "--target", "ring", "--model", "logistic",
                "--backend", "cpu", "--out", m.toString()), "empty.csv:3:2");
    }

    @Test
    void aNetworkTooLargeForTheHeapIsRefusedWithTheFix() {
        Path m = dir.resolve("huge.safetensors");
        int status = run(trainCircles("--model", "mlp", "--hidden", "40000,40000", "--epochs", "1", "--out",
                m.toString()));
        assertEquals(2, status, stderr());
        assertTrue(stderr().contains("-Xmx"), stderr());
        assertFalse(stderr().contains("OutOfMemoryError") || stderr().contains("\tat "), stderr());
        assertFalse(Files.exists(m));
    }

    @Test
    void planPrintsTheTableAndTrainsNothing() {
        Path m = dir.resolve("planned.safetensors");
        int status = run(trainCircles("--model", "mlp", "--hidden", "300,200", "--batch-size", "64", "--plan",
                "--out", m.toString()));
        assertEquals(0, status, stderr());
        for (String line : new String[] {"memory plan: ", "parameters", "gradients", "optimizer state", "activations",
            "data on the device", "overhead", "total", "free", "fits: "}) {
            assertTrue(stdout().contains(line), line + " in:\n" + stdout());
        }
        // 2-300-200-1: 2·300 + 300 + 300·200 + 200 + 200 + 1 = 61,301 parameters
        assertTrue(stdout().contains("(61,301 floats)"), stdout());
        assertTrue(stdout().contains("batch 64"), stdout());
        assertFalse(Files.exists(m), "--plan trains nothing and writes nothing");
    }

    @Test
    void aRunThatDoesNotFitACapIsRefusedWithWhatWouldFit() {
        Path m = dir.resolve("capped.safetensors");
        System.setProperty("logitnet.memoryLimit", "1m"); // 2-200-200-1 with Adam holds 0.65 MB before activations
        try {
            int status = run(trainCircles("--model", "mlp", "--hidden", "200,200", "--out", m.toString()));
            assertEquals(2, status, stderr());
            String err = stderr();
            assertTrue(err.contains("the run does not fit") && err.contains("short") && err.contains("--batch-size")
                    && err.contains("hidden layers at most"), err);
            assertFalse(err.contains("\tat "), err);
        } finally {
            System.clearProperty("logitnet.memoryLimit");
        }
        assertFalse(Files.exists(m));
    }

    @Test
    void everyOptionOfEveryCommandHasADescription() {
        picocli.CommandLine cl = new picocli.CommandLine(new Main());
        for (var sub : cl.getSubcommands().values()) {
            for (var o : sub.getCommandSpec().options()) {
                assertTrue(o.description().length > 0 && !o.description()[0].isBlank(),
                        sub.getCommandName() + " " + o.longestName() + " has no description");
            }
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
