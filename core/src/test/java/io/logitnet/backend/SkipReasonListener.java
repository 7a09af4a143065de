package io.logitnet.backend;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints the reason when a whole test class is skipped: a backend that is not present makes its test classes skip in their
 * {@code @BeforeAll}, and Surefire then reports "Tests run: 0" without the reason.
 */
public final class SkipReasonListener implements TestExecutionListener {
    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (id.isContainer() && result.getStatus() == TestExecutionResult.Status.ABORTED) {
            String reason = result.getThrowable().map(Throwable::getMessage).orElse("no reason given");
            System.out.println("[SKIPPED] " + id.getLegacyReportingName() + ": " + reason);
        }
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
        if (id.isContainer()) {
            System.out.println("[SKIPPED] " + id.getLegacyReportingName() + ": " + reason);
        }
    }
}
