package io.logitnet.cuda;

import io.logitnet.BackendUnavailableException;
import io.logitnet.backend.Availability;
import io.logitnet.backend.BackendProvider;
import io.logitnet.backend.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Registration, selection syntax, and the probe's behaviour on this machine (whatever it has). */
class CudaBackendProviderTest {
    @Test
    void registeredAsCudaWithPriority300() {
        BackendProvider p = Backends.providers().stream().filter(x -> x.name().equals("cuda")).findFirst()
                .orElseThrow(() -> new AssertionError("cuda provider not found by ServiceLoader"));
        assertTrue(p instanceof CudaBackendProvider);
        assertEquals(300, p.priority());
    }

    @Test
    void probeNeverThrowsAndExplainsItself() {
        Availability a = new CudaBackendProvider().probe();
        if (a.available()) {
            assertFalse(a.devices().isEmpty());
            assertTrue(a.devices().get(0).id().startsWith("cuda:"));
        } else {
            assertTrue(a.devices().isEmpty());
            assertTrue(a.reason().contains("Fix"), "the reason must say how to fix it: " + a.reason());
            System.out.println("cuda unavailable here: " + a.reason());
        }
        assertEquals(a.available(), new CudaBackendProvider().probe().available(), "probing twice agrees");
    }

    @Test
    void namedSelectionFailsWithTheReasonWhenUnavailable() {
        Availability a = new CudaBackendProvider().probe();
        if (!a.available()) {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                    () -> Backends.open("cuda"));
            assertEquals("cuda", e.backend());
            assertEquals(a.reason(), e.reason());
            assertThrows(BackendUnavailableException.class, () -> Backends.open("cuda:0"));
        }
    }

    @Test
    void deviceOrdinals() {
        assertEquals(0, CudaBackendProvider.parseOrdinal(""));
        assertEquals(3, CudaBackendProvider.parseOrdinal("3"));
        assertThrows(IllegalArgumentException.class, () -> CudaBackendProvider.parseOrdinal("-1"));
        assertThrows(IllegalArgumentException.class, () -> CudaBackendProvider.parseOrdinal("0:1"));
        assertThrows(IllegalArgumentException.class, () -> CudaBackendProvider.parseOrdinal("gpu"));
    }
}
