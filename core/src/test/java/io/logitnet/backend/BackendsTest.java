package io.logitnet.backend;

import io.logitnet.BackendUnavailableException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendsTest {
    @Test
    void autoTakesTheBestAvailableAndSaysWhy() {
        Backends.Selection s = Backends.select("auto");
        try (Backend b = s.backend()) {
            assertTrue(s.explanation().get(0).startsWith("using " + b.name()), s.summary());
            // every better backend that was not taken is listed with its reason
            for (Backends.Status st : Backends.discover()) {
                if (st.provider().priority() > Backends.providers().stream()
                        .filter(p -> p.name().equals(b.name())).findFirst().orElseThrow().priority()) {
                    assertTrue(s.summary().contains(st.provider().name() + " rejected"), s.summary());
                }
            }
        }
    }

    @Test
    void cpuIsAlwaysAvailable() {
        Backends.Status cpu = Backends.discover().stream().filter(s -> s.provider().name().equals("cpu"))
                .findFirst().orElseThrow();
        assertTrue(cpu.availability().available());
        assertEquals(1, cpu.availability().devices().size());
        try (Backend b = Backends.open("cpu")) {
            assertEquals("cpu", b.name());
        }
    }

    @Test
    void anUnknownBackendIsAnErrorNotAFallback() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Backends.open("tpu"));
        assertEquals("tpu", e.backend());
        assertTrue(e.reason().contains("there is no backend of that name"), e.reason());
        assertTrue(e.reason().contains("auto") && e.reason().contains("cpu"), "lists the names: " + e.reason());
        BackendUnavailableException missing = assertThrows(BackendUnavailableException.class,
                () -> Backends.open("cuda"));
        assertTrue(missing.reason().contains("add logitnet-cuda to the class path"), missing.reason());
    }

    @Test
    void providersAreOrderedBestFirst() {
        int last = Integer.MAX_VALUE;
        for (BackendProvider p : Backends.providers()) {
            assertTrue(p.priority() <= last);
            last = p.priority();
        }
    }
}
