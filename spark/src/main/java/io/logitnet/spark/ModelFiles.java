package io.logitnet.spark;

import io.logitnet.model.Models;
import io.logitnet.model.NetworkModel;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import scala.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.function.BiFunction;

/**
 * A saved model's folder: Spark's params metadata ({@code metadata/}, as {@code DefaultParamsWriter} writes it for
 * every Spark ML stage) and the LogitNet model as {@value #FILE}, written by the core's {@code NetworkModel.save},
 * so that {@code logitnet inspect} and {@code logitnet predict} read it as it is. Any Hadoop file system works: the
 * file is written locally and copied there.
 */
final class ModelFiles {
    /** The LogitNet checkpoint inside a saved model's folder. */
    static final String FILE = "model.safetensors";

    private ModelFiles() {
    }

    /** Writes a Spark model that wraps a core model. */
    static final class Writer extends MLWriter {
        private final Params instance;
        private final NetworkModel<?> model;

        Writer(Params instance, NetworkModel<?> model) {
            this.instance = instance;
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(instance, path, sparkSession());
            saveModel(model, new Path(path, FILE), sc().hadoopConfiguration());
        }
    }

    /** Reads what {@link Writer} wrote, as a model made by {@code make(uid, core model)}. */
    static final class Reader<M extends Params> extends MLReader<M> {
        private final Class<M> type;
        private final BiFunction<String, NetworkModel<?>, M> make;

        Reader(Class<M> type, BiFunction<String, NetworkModel<?>, M> make) {
            this.type = type;
            this.make = make;
        }

        @Override
        public M load(String path) {
            DefaultParamsReader.Metadata md = DefaultParamsReader.loadMetadata(path, sparkSession(), type.getName());
            M m = make.apply(md.uid(), loadModel(new Path(path, FILE), sc().hadoopConfiguration()));
            md.getAndSetParams(m, Option.empty());
            return m;
        }
    }

    static void saveModel(NetworkModel<?> model, Path file, Configuration conf) {
        java.nio.file.Path local = null;
        try {
            local = Files.createTempFile("logitnet-", ".safetensors");
            model.save(local);
            FileSystem fs = file.getFileSystem(conf);
            fs.copyFromLocalFile(true, true, new Path(local.toUri()), file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the LogitNet model to " + file + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(local);
        }
    }

    static NetworkModel<?> loadModel(Path file, Configuration conf) {
        java.nio.file.Path local = null;
        try {
            local = Files.createTempFile("logitnet-", ".safetensors");
            FileSystem fs = file.getFileSystem(conf);
            fs.copyToLocalFile(false, file, new Path(local.toUri()), true);
            return Models.load(local);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the LogitNet model " + file + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(local);
        }
    }

    private static void deleteQuietly(java.nio.file.Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temporary file; the system cleans its temporary folder
            }
        }
    }
}
