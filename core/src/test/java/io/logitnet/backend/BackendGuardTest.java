package io.logitnet.backend;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rule every backend shares: instance names, calls after close, close-time failures logged, never thrown. */
class BackendGuardTest {
    @Test
    void instancesOfOneKindAreNumberedApart() {
        BackendGuard a = new BackendGuard("test-kind");
        BackendGuard b = new BackendGuard("test-kind");
        assertTrue(a.instanceName().startsWith("test-kind#"), a.instanceName());
        assertNotEquals(a.instanceName(), b.instanceName());
    }

    @Test
    void aReleaseStepThatFailsIsLoggedAndTheOthersStillRun() {
        BackendGuard g = new BackendGuard("test-close");
        List<String> ran = new ArrayList<>();
        List<String> warnings = LogCapture.warnings(() -> g.close(() -> {
            g.quietly("first", () -> ran.add("first"));
            g.quietly("broken", () -> {
                throw new IllegalStateException("device gone");
            });
            g.quietly("last", () -> ran.add("last"));
        }));
        assertEquals(List.of("first", "last"), ran);
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains(g.instanceName() + " close: broken failed")
                && warnings.get(0).contains("device gone"), warnings.get(0));
        g.close(() -> ran.add("again")); // closing twice does nothing
        assertEquals(List.of("first", "last"), ran);
        IllegalStateException e = assertThrows(IllegalStateException.class, g::enter);
        assertTrue(e.getMessage().contains(g.instanceName()), e.getMessage());
        assertThrows(IllegalStateException.class, g::checkOpen);
    }

    @Test
    void closeWaitsForACallInProgressOnAnotherThread() throws Exception {
        BackendGuard g = new BackendGuard("test-wait");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> order = new ArrayList<>();
        Thread caller = new Thread(() -> {
            try (BackendGuard.Call c = g.enter()) {
                inside.countDown();
                release.await(10, TimeUnit.SECONDS);
                synchronized (order) {
                    order.add("call done");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        caller.start();
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        Thread closer = new Thread(() -> g.close(() -> {
            synchronized (order) {
                order.add("closed");
            }
        }));
        closer.start();
        Thread.sleep(100);
        release.countDown();
        caller.join(10_000);
        closer.join(10_000);
        assertEquals(List.of("call done", "closed"), order);
    }
}
