package io.logitnet.cuda;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The switch of CUDA graphs, -Dlogitnet.cudaGraphs: off unless it says true; a bad value is refused, named. */
class CudaGraphsPropertyTest {
    @AfterEach
    void clear() {
        System.clearProperty(CudaBackend.GRAPHS_PROPERTY);
    }

    @Test
    void offByDefaultOnWhenTrue() {
        assertFalse(CudaBackend.graphsFromProperty());
        System.setProperty(CudaBackend.GRAPHS_PROPERTY, "true");
        assertTrue(CudaBackend.graphsFromProperty());
        System.setProperty(CudaBackend.GRAPHS_PROPERTY, "FALSE");
        assertFalse(CudaBackend.graphsFromProperty());
    }

    @Test
    void aValueOtherThanTrueOrFalseIsRefused() {
        System.setProperty(CudaBackend.GRAPHS_PROPERTY, "yes");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, CudaBackend::graphsFromProperty);
        assertEquals("system property logitnet.cudaGraphs=yes: expected true or false", e.getMessage());
    }
}
