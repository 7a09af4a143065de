package io.logitnet.optim;

import io.logitnet.backend.Tensor;
import io.logitnet.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LbfgsTest {
    @Test
    void minimizesTheRosenbrockFunction() {
        try (CpuBackend cpu = new CpuBackend(); Tensor x = cpu.upload(new float[] {-1.2f, 1f}, 1, 2);
             Tensor g = cpu.allocate(1, 2)) {
            Lbfgs.Result r = new Lbfgs(10, 500, 1e-5).minimize(List.of(x), List.of(g), () -> {
                float[] v = x.toArray();
                double a = v[0];
                double b = v[1];
                double f = 100 * (b - a * a) * (b - a * a) + (1 - a) * (1 - a);
                float[] grad = {(float) (-400 * a * (b - a * a) - 2 * (1 - a)), (float) (200 * (b - a * a))};
                cpu.upload(grad, 0, g);
                return f;
            }, null);
            float[] v = x.toArray();
            assertEquals(1.0, v[0], 1e-3, r.toString());
            assertEquals(1.0, v[1], 2e-3, r.toString());
            assertTrue(r.value() < 1e-6, r.toString());
        }
    }

    @Test
    void rejectsNonsenseSettings() {
        assertThrows(IllegalArgumentException.class, () -> new Lbfgs(0, 10, 1e-5));
        assertThrows(IllegalArgumentException.class, () -> new Lbfgs(5, 0, 1e-5));
        assertThrows(IllegalArgumentException.class, () -> new Lbfgs(5, 10, -1));
    }
}
