package example;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Backends;
import io.logitnet.data.Dataset;
import io.logitnet.model.LogisticRegression;
import io.logitnet.model.Mlp;

import java.nio.file.Path;
import java.util.Random;

public class ReadmeExample {
    public static void main(String[] args) {
        // two noisy concentric circles: label 1 for the outer ring
        Random r = new Random(1);
        float[][] x = new float[1000][];
        int[] y = new int[1000];
        for (int i = 0; i < x.length; i++) {
            y[i] = i % 2;
            double radius = (y[i] == 1 ? 1.0 : 0.5) + 0.05 * r.nextGaussian();
            double angle = 2 * Math.PI * r.nextDouble();
            x[i] = new float[] {(float) (radius * Math.cos(angle)), (float) (radius * Math.sin(angle))};
        }

        try (Backend backend = Backends.open("auto")) {      // CUDA, an OpenCL GPU, or the CPU
            LogisticRegression lr = new LogisticRegression().backend(backend);  // full-batch L-BFGS
            lr.fit(x, y);
            System.out.println(lr.equation());              // log(p/(1-p)) [p = P(y=1)] = ...: no line separates rings

            Mlp mlp = Mlp.classifier(16).activation(Activation.SIGMOID).standardize(true).backend(backend);
            mlp.fit(x, y);                                   // Adam, lr 0.01, 200 epochs
            int[] predicted = mlp.predict(x);
            float[][] features = mlp.hiddenFeatures(0, x);   // what the hidden layer learned
            LogisticRegression head = (LogisticRegression) mlp.outputLayer();  // a logistic regression on them
            double accuracy = mlp.score(Dataset.of(x, y)).get("accuracy");
            System.out.println("MLP training accuracy " + accuracy + "; its output layer on the learned features "
                    + "predicts the same: " + java.util.Arrays.equals(head.predict(features), predicted));
            mlp.save(Path.of("circles-mlp.safetensors"));    // logitnet inspect / predict read it
        }
    }
}
