package io.logitnet.spark;

/**
 * The uid of a Spark ML object while its Scala superclass is being constructed. The superclass constructor creates
 * Spark's shared params ({@code featuresCol}, {@code labelCol}, ...), and each takes its parent's {@code uid()} at
 * that moment; a Scala class sets its uid field before it calls the superclass constructor, which Java cannot do. The
 * classes of this module therefore hand the uid to {@code uid()} through the constructing thread:
 * {@code this(PendingUid.hold(uid), true)} stores it while the superclass constructor runs, and the delegated
 * constructor stores it in its field and calls {@link #release}.
 */
final class PendingUid {
    private static final ThreadLocal<String> PENDING = new ThreadLocal<>();

    private PendingUid() {
    }

    /** Holds {@code uid} for the constructor that is about to run on this thread; returns it. */
    static String hold(String uid) {
        if (uid == null || uid.isEmpty()) {
            throw new IllegalArgumentException("a Spark ML uid must not be empty");
        }
        PENDING.set(uid);
        return uid;
    }

    /** The uid held for the object being constructed on this thread. */
    static String get() {
        return PENDING.get();
    }

    /** Ends the construction: returns {@code uid} for the constructor's field. */
    static String release(String uid) {
        PENDING.remove();
        return uid;
    }
}
