package io.logitnet.cli;

import io.logitnet.io.Checkpoint;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Outputs are replaced atomically, through links, never over special files; a diverged run loses nothing. */
class CliFilesTest extends CliHarness {

    @Test
    void aDeviceIsWrittenThroughNeverReplaced() {
        Path devNull = Path.of("/dev/null");
        Assumptions.assumeTrue(Files.exists(devNull) && !Files.isRegularFile(devNull), "no /dev/null here");
        assertEquals(0, run(trainCircles("--model", "logistic", "--out", "/dev/null")), stderr());
        assertTrue(Files.exists(devNull) && !Files.isRegularFile(devNull), "/dev/null is still a device");
        assertEquals(0, run("predict", "--model", writeModel().toString(), "--data", circles.toString(), "--out",
                "/dev/null"));
        assertTrue(Files.exists(devNull) && !Files.isRegularFile(devNull), "/dev/null is still a device");
    }

    @Test
    void aFullDiskIsReportedInWords() {
        Path full = Path.of("/dev/full");
        Assumptions.assumeTrue(Files.exists(full), "no /dev/full here");
        assertUserError(run("predict", "--model", writeModel().toString(), "--data", circles.toString(), "--out",
                full.toString()), "cannot write /dev/full", "No space left on device");
    }

    @Test
    void aFifoIsWrittenThrough() throws Exception {
        Path fifo = dir.resolve("predictions.fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        Assumptions.assumeTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo is not available");
        Path m = writeModel();
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals(0, run("predict", "--model", m.toString(), "--data", circles.toString(), "--out",
                fifo.toString()), stderr());
        String content = reader.get(60, TimeUnit.SECONDS);
        assertTrue(content.startsWith("prediction,p_inner,p_outer\n"), content.substring(0, 40));
        assertEquals(1001, content.split("\n").length);
        assertFalse(Files.isRegularFile(fifo), "the FIFO is still a FIFO");
    }

    @Test
    void aSymbolicLinkIsFollowedAndItsTargetReplaced() throws IOException {
        Path models = Files.createDirectory(dir.resolve("models"));
        Path target = models.resolve("real.safetensors");
        Files.writeString(target, "old content");
        Path link = dir.resolve("current.safetensors");
        Files.createSymbolicLink(link, Path.of("models/real.safetensors"));
        assertEquals(0, run(trainCircles("--model", "logistic", "--out", link.toString())), stderr());
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertEquals(target.toRealPath(), link.toRealPath());
        assertEquals(2, Checkpoint.load(target).card().architecture().inputs());
        assertNoTemporaryFiles(dir);
        assertNoTemporaryFiles(models);
        // a dangling link: its target is created
        Path dangling = dir.resolve("next.safetensors");
        Files.createSymbolicLink(dangling, Path.of("models/new.safetensors"));
        assertEquals(0, run(trainCircles("--model", "logistic", "--out", dangling.toString())), stderr());
        assertTrue(Files.isSymbolicLink(dangling));
        assertTrue(Files.isRegularFile(models.resolve("new.safetensors")));
    }

    @Test
    void anOutputKeepsThePermissionsOfTheFileItReplaces() throws IOException {
        Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "no POSIX");
        Path m = writeModel();
        Path pred = dir.resolve("p.csv");
        Files.writeString(pred, "old\n");
        Set<PosixFilePermission> shared = PosixFilePermissions.fromString("rw-rw-r--");
        Files.setPosixFilePermissions(pred, shared);
        assertEquals(0, run("predict", "--model", m.toString(), "--data", circles.toString(), "--out",
                pred.toString()));
        assertEquals(shared, Files.getPosixFilePermissions(pred));
        // a new output gets the usual permissions (the umask), as a file any other program creates, not 0600
        Path fresh = dir.resolve("fresh.csv");
        assertEquals(0, run("predict", "--model", m.toString(), "--data", circles.toString(), "--out",
                fresh.toString()));
        Path reference = Files.createFile(dir.resolve("reference"));
        assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(fresh));
        Path model = dir.resolve("perm.safetensors");
        assertEquals(0, run(trainCircles("--model", "logistic", "--out", model.toString())), stderr());
        assertEquals(Files.getPosixFilePermissions(reference), Files.getPosixFilePermissions(model));
    }

    @Test
    void aDivergedRunNeverReplacesAGoodModel() throws IOException {
        Path m = dir.resolve("m.safetensors");
        assertEquals(0, run(trainCircles("--model", "mlp", "--hidden", "8", "--epochs", "3", "--out",
                m.toString())), stderr());
        byte[] good = Files.readAllBytes(m);
        int status = run(trainCircles("--model", "mlp", "--hidden", "8", "--optimizer", "sgd", "--lr", "1e6",
                "--epochs", "5", "--out", m.toString()));
        assertEquals(3, status, stderr());
        assertTrue(stderr().contains("training diverged"), stderr());
        assertTrue(stderr().contains("nothing was written to " + m), stderr());
        assertArrayEquals(good, Files.readAllBytes(m), "the good model is untouched");
        assertNoTemporaryFiles(dir);
    }

    @Test
    void aRunThatDivergesLaterKeepsItsLastFiniteEpoch() throws IOException {
        Path data = dir.resolve("line.csv");
        StringBuilder sb = new StringBuilder("x,y\n");
        for (int i = 0; i < 64; i++) {
            double x = (i - 32) / 8.0;
            sb.append(x).append(',').append(3 * x + 1).append('\n');
        }
        Files.writeString(data, sb);
        Path m = dir.resolve("line.safetensors");
        // plain SGD on least squares diverges geometrically once lr > 2/λmax: finite for a few epochs, then not
        int status = run("train", "--data", data.toString(), "--target", "y", "--model", "linear", "--optimizer",
                "sgd", "--momentum", "0", "--lr", "2.6", "--batch-size", "64", "--epochs", "400", "--backend", "cpu",
                "-q", "--out", m.toString());
        assertEquals(3, status, stderr());
        java.util.regex.Matcher at = java.util.regex.Pattern.compile("holds the parameters of epoch (\\d+)")
                .matcher(stderr());
        assertTrue(at.find(), stderr());
        int epoch = Integer.parseInt(at.group(1));
        assertTrue(epoch >= 1, stderr());
        Checkpoint.Contents c = Checkpoint.load(m); // the reader refuses non-finite parameters
        assertEquals(epoch, c.state().epochsDone());
    }

    private Path writeModel() {
        Path m = dir.resolve("model.safetensors");
        assertEquals(0, run(trainCircles("--model", "logistic", "--out", m.toString())), stderr());
        return m;
    }
}
